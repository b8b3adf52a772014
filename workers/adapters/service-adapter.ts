// One interface for every adapter (http, python, smtp, ai, validate, format, compute): the
// runtime validates a handler's `config` with the adapter's own schema at start, calls start()
// once (an adapter that cannot work here — no bwrap, no model file — refuses with the reason),
// then execute() per job. How a failure ends is said by the error's class, mapped once by the
// runtime: a BpmnError is routed by the BPMN, a TransientError is retried, anything else fails
// the job with no retries so an incident carries the message.
//
// Secrets: the runtime replaces `{{secrets.NAME}}` in string config values before start() and
// before each execute(), and redacts secret values from everything that leaves the worker, so
// adapters never see a placeholder and never need to hide a value themselves.
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { SandboxPolicySpec } from '../../operator/api/index.js';

/** What every adapter may use besides its config: the policy that bounds it, and a logger. */
export interface AdapterEnvironment {
  /** The pool's SandboxPolicy spec; the schema's defaults when the pool names none. */
  policy: SandboxPolicySpec;
  log: Logger;
}

export interface JobContext extends AdapterEnvironment {
  jobKey: string;
  jobType: string;
  processInstanceKey: string;
  elementId: string;
  /** zeebe:taskHeaders of the task. */
  headers: Record<string, string>;
  /** Aborted when the job's time is up or the worker hands it back while draining; stop then. */
  signal: AbortSignal;
}

export interface ServiceAdapter<C = unknown> {
  readonly name: string;
  /** One line for `procos-worker --help`. */
  readonly summary: string;
  /** What `config` must look like; errors name the field. Every field carries .describe(). */
  readonly configSchema: z.ZodType<C>;
  /** Once per handler before the worker connects; throw to refuse with a reason a user can act on. */
  start?(config: C, env: AdapterEnvironment): Promise<void>;
  /** Returns the variables the job completes with. */
  execute(variables: Record<string, unknown>, config: C, context: JobContext): Promise<Record<string, unknown>>;
  /** Backs the worker's /ready: throw when the backend cannot serve (message says why). */
  healthCheck?(config: C, env: AdapterEnvironment): Promise<void>;
  /** The variable names a job needs (fetchVariables); undefined = all of them. */
  fetchVariables?(config: C): string[] | undefined;
}

/** A business outcome the process should route (ThrowError with this code). */
export class BpmnError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BpmnError';
  }
}

/** Worth trying again: a timeout, a refused connection, a 5xx. */
export class TransientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientError';
  }
}
