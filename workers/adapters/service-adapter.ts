// One interface for every adapter (http, python, smtp, ai, validate, format, compute): the
// runtime validates a handler's `config` with the adapter's own schema at start, then calls
// execute() per job. How a failure ends is said by the error's class, mapped once by the
// runtime: a BpmnError is routed by the BPMN, a TransientError is retried, anything else fails
// the job with no retries so an incident carries the message.
import type { z } from 'zod';

export interface JobContext {
  jobKey: string;
  jobType: string;
  processInstanceKey: string;
  elementId: string;
  /** zeebe:taskHeaders of the task. */
  headers: Record<string, string>;
}

export interface ServiceAdapter<C = unknown> {
  readonly name: string;
  /** What `config` must look like; errors name the field. */
  readonly configSchema: z.ZodType<C>;
  /** Returns the variables the job completes with. */
  execute(variables: Record<string, unknown>, config: C, context: JobContext): Promise<Record<string, unknown>>;
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
