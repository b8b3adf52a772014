// How the commands find the system `procos up` runs: its record (<state>/up.json: engine,
// monitoring and ingress addresses) and the durable status of its objects (<state>/objects.json,
// written on every status change, as etcd holds a cluster's). Reads go to the engine's read API;
// commands to the engine go through the official SDK, as any Zeebe client's would.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Camunda8 } from '@camunda8/sdk';
import { sdkClient, type ZeebeGrpcClient } from '../../lib/zeebe/sdk-client.js';
import { readUpRecord, type UpRecord } from '../up/procos-up.js';
import type { StoredObject } from '../up/local-objects.js';
import { CommandError, EXIT } from './command.js';

export const STATE_FLAG = { 'state-dir': { type: 'string', default: '.procos' } } as const;
export const OUTPUT_FLAG = { output: { type: 'string', short: 'o', default: 'text' } } as const;

/** parseArgs whose mistakes are usage errors (exit 2) with the message parseArgs gives. */
export function parseFlags<T extends ParseArgsConfig['options']>(
  args: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals: true });
  } catch (err) {
    throw new CommandError((err as Error).message, EXIT.usage);
  }
}

export function outputFormat(value: unknown): 'text' | 'json' {
  if (value === 'text' || value === 'json') return value;
  throw new CommandError(`-o must be text or json, got ${JSON.stringify(value)}`, EXIT.usage);
}

export class LocalSystem {
  private client?: ZeebeGrpcClient;

  private constructor(
    readonly stateDir: string,
    readonly record: UpRecord,
  ) {}

  /** The running system of a state folder, or exit 3 saying how to start one. */
  static find(stateDir: string): LocalSystem {
    const record = readUpRecord(stateDir);
    if (!record)
      throw new CommandError(
        `no procos up is running with state folder ${stateDir}: start one with \`procos up\` (or pass --state-dir)`,
        EXIT.unreachable,
      );
    return new LocalSystem(stateDir, record);
  }

  get zbc(): ZeebeGrpcClient {
    // An external engine (Zeebe, Camunda 8) takes its credentials from our environment, as the
    // SDK does everywhere; procos-engine is plaintext without auth.
    this.client ??= this.record.externalEngine
      ? new Camunda8({
          ZEEBE_GRPC_ADDRESS: this.record.externalEngine,
        }).getZeebeGrpcApiClient()
      : sdkClient(this.record.engineAddress);
    return this.client;
  }

  /** GET on the engine's monitoring port; a refused connection is exit 3. */
  async read(path: string): Promise<{ status: number; body: unknown }> {
    const base = this.record.monitoringUrl;
    if (!base)
      throw new CommandError('this system runs an external engine: its read API is not available', EXIT.unreachable);
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new CommandError(
        `the engine's read API at ${base} does not answer: ${(err as Error).message}`,
        EXIT.unreachable,
      );
    }
    return { status: res.status, body: await res.json() };
  }

  /** The objects procos up runs, with their status as last written. */
  objects(): StoredObject[] {
    const file = join(this.stateDir, 'objects.json');
    if (!existsSync(file)) return [];
    return (JSON.parse(readFileSync(file, 'utf8')) as { objects: StoredObject[] }).objects;
  }

  async close(): Promise<void> {
    await this.client?.close(1000);
  }
}

export type { Condition } from '../../operator/runtime/conditions.js';
export { conditionOfObject as conditionOf } from '../up/local-objects.js';

/** A table with aligned columns, for human output. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
