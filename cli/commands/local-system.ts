// How the commands find the system `procos up` runs: its record (<state>/up.json: engine,
// monitoring and ingress addresses) and the durable status of its objects (<state>/objects.json,
// written on every status change, as etcd holds a cluster's). Reads go to the engine's read API;
// commands to the engine go through the official SDK, as any Zeebe client's would.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Camunda8 } from '@camunda8/sdk';
import { sdkClient, type ZeebeGrpcClient } from '../../lib/zeebe/sdk-client.js';
import { readUpRecord, type UpRecord } from '../up/procos-up.js';
import type { StoredObject } from '../up/local-objects.js';
import { CommandError, EXIT } from './command.js';
import { readApi, type EngineConnection, type EngineHost, type Hints, type PoolRef } from './engine-connection.js';

export const STATE_FLAG = { 'state-dir': { type: 'string', default: '.procos' } } as const;

const LOCAL_HINTS: Hints = {
  program: 'procos',
  redeploy: 'procos lint, then edit it: procos up deploys the new version',
  addProcess: 'add it to the folder procos up runs',
};

export class LocalSystem implements EngineConnection {
  private grpcClient?: ZeebeGrpcClient;
  readonly hints = LOCAL_HINTS;

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

  get description(): string {
    return `procos up's engine at ${this.record.externalEngine ?? this.record.engineAddress}`;
  }

  client(): Promise<ZeebeGrpcClient> {
    return Promise.resolve(this.zbc);
  }

  get zbc(): ZeebeGrpcClient {
    // An external engine (Zeebe, Camunda 8) takes its credentials from our environment, as the
    // SDK does everywhere; procos-engine is plaintext without auth.
    this.grpcClient ??= this.record.externalEngine
      ? new Camunda8({
          ZEEBE_GRPC_ADDRESS: this.record.externalEngine,
        }).getZeebeGrpcApiClient()
      : sdkClient(this.record.engineAddress);
    return this.grpcClient;
  }

  /** GET on the engine's monitoring port; a refused connection is exit 3. */
  async read(path: string): Promise<{ status: number; body: unknown }> {
    const base = this.record.monitoringUrl;
    if (!base)
      throw new CommandError('this system runs an external engine: its read API is not available', EXIT.unreachable);
    return readApi(base, path);
  }

  /** The objects procos up runs, with their status as last written. */
  objects(): StoredObject[] {
    const file = join(this.stateDir, 'objects.json');
    if (!existsSync(file)) return [];
    return (JSON.parse(readFileSync(file, 'utf8')) as { objects: StoredObject[] }).objects;
  }

  pools(): Promise<PoolRef[]> {
    return Promise.resolve(
      this.objects()
        .filter((o) => o.kind === 'WorkerPool')
        .map((o) => ({
          name: o.metadata.name,
          taskTypes: (o.spec as { taskTypes?: string[] } | undefined)?.taskTypes ?? [],
        })),
    );
  }

  processId(name: string): Promise<string> {
    const o = this.objects().find((x) => x.kind === 'ProcOSProcess' && x.metadata.name === name);
    return Promise.resolve((o?.status as { bpmnProcessId?: string } | undefined)?.bpmnProcessId ?? name);
  }

  async close(): Promise<void> {
    await this.grpcClient?.close(1000);
  }
}

/** The engine commands of `procos`: the engine of the procos up with that state folder. */
export const localEngine: EngineHost = {
  hints: LOCAL_HINTS,
  flags: STATE_FLAG,
  flagsUsage: '[--state-dir DIR]',
  unreachable: 'no procos up runs with that state folder',
  connect: (flags) => {
    const dir = flags['state-dir'];
    return Promise.resolve(LocalSystem.find(typeof dir === 'string' ? dir : '.procos'));
  },
};

export type { Condition } from '../../operator/runtime/conditions.js';
export { conditionOfObject as conditionOf } from '../up/local-objects.js';
