// The port the engine-facing commands (run, incidents, explain, backlog) talk through, so the
// same command code serves `procos` (the engine procos up runs) and `kubectl procos` (the engine
// the cluster's operator uses, reached through a port-forward when it is cluster-internal).
import type { ParseArgsConfig } from 'node:util';
import type { ZeebeGrpcClient } from '../../lib/zeebe/sdk-client.js';
import { CommandError, EXIT, parseFlags } from './command.js';

/** A WorkerPool as far as the commands care: who serves which job types. */
export interface PoolRef {
  /** As the user names it: `hello`, or `team-a/hello` across namespaces. */
  name: string;
  taskTypes: string[];
}

/** Where suggestions send the user; the words differ between one machine and a cluster. */
export interface Hints {
  /** `procos` or `kubectl procos`. */
  program: string;
  /** How a corrected BPMN gets deployed. */
  redeploy: string;
  /** How a missing (called) process gets deployed. */
  addProcess: string;
}

export interface EngineConnection {
  readonly hints: Hints;
  /** Which engine, for messages: its address and how it is reached. */
  readonly description: string;
  /** The official SDK's gRPC client (Zeebe's gateway protocol, procos-engine or Zeebe alike), opened on first use. */
  client(): Promise<ZeebeGrpcClient>;
  /** GET on procos-engine's read API (its monitoring port); exit 3 when there is none or it does not answer. */
  read(path: string): Promise<{ status: number; body: unknown }>;
  /** The WorkerPools in scope, to say which pool serves a job type. */
  pools(): Promise<PoolRef[]>;
  /** The bpmnProcessId a user's name for a process means (a ProcOSProcess's name, or the id itself). */
  processId(name: string): Promise<string>;
  close(): Promise<void>;
}

/** How a program opens the connection: its flags, their usage, and connect. */
export interface EngineHost {
  hints: Hints;
  /** Flags every engine command of this program takes (e.g. --state-dir; cluster and engine flags). */
  flags: NonNullable<ParseArgsConfig['options']>;
  /** Their usage for --help, e.g. `[--state-dir DIR]`. */
  flagsUsage: string;
  /** When exit 3 happens, for --help. */
  unreachable: string;
  connect(flags: Record<string, unknown>): Promise<EngineConnection>;
}

type Own = NonNullable<ParseArgsConfig['options']>;

/** A command's own flags (typed) plus the host's (handed to connect as they are). */
export function parseEngineFlags<T extends Own>(
  host: EngineHost,
  args: string[],
  own: T,
): { values: ReturnType<typeof parseFlags<T>>['values']; hostFlags: Record<string, unknown>; positionals: string[] } {
  // The host's flags are parsed too, but typed only for connect(), which narrows them itself.
  const { values, positionals } = parseFlags(args, { ...host.flags, ...own });
  return { values, hostFlags: values, positionals };
}

/** Opens the connection, runs `work`, always closes it. */
export async function withEngine<R>(
  host: EngineHost,
  hostFlags: Record<string, unknown>,
  work: (engine: EngineConnection) => Promise<R>,
): Promise<R> {
  const engine = await host.connect(hostFlags);
  try {
    return await work(engine);
  } finally {
    await engine.close();
  }
}

/**
 * A failed engine call as the user should see it: the engine not answering is exit 3 (gRPC
 * UNAVAILABLE or DEADLINE_EXCEEDED), anything else is the engine refusing (exit 1).
 */
export function engineCallError(err: unknown, engine: EngineConnection): CommandError {
  if (err instanceof CommandError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  if (code === 14 || code === 4 || /\b(UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED)\b/.test(message))
    return new CommandError(`the engine does not answer (${engine.description}): ${message}`, EXIT.unreachable);
  return new CommandError(`the engine refused: ${message}`, EXIT.failed);
}

/** GET on procos-engine's read API at `base`; not answering is exit 3. */
export async function readApi(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new CommandError(
      `the engine's read API at ${base} does not answer: ${(err as Error).message}`,
      EXIT.unreachable,
    );
  }
  if (res.status === 401)
    throw new CommandError(
      `the engine's read API at ${base} wants credentials (401): set them as for any @camunda8/sdk client ` +
        '(CAMUNDA_AUTH_STRATEGY=BEARER with CAMUNDA_OAUTH_TOKEN, OAUTH or BASIC with theirs)',
      EXIT.unreachable,
    );
  return { status: res.status, body: await res.json() };
}
