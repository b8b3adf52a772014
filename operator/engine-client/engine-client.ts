// The operator's only way to an engine (DESIGN: "The engine is reached only through an
// EngineClient port"): real Zeebe (self-managed or SaaS) and procos-engine alike.
export interface DeployedDefinition {
  bpmnProcessId: string;
  version: number;
  processDefinitionKey: string;
}

export interface EngineClient {
  deploy(resourceName: string, xml: string): Promise<DeployedDefinition[]>;
  createInstance(bpmnProcessId: string, version: number, variables: Record<string, unknown>): Promise<string>;
  deleteResource(key: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Why an engine call failed. Mapped once, here; the reconciler turns these into condition
 * reasons without looking at gRPC codes again.
 * - EngineUnavailable: transient (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, no connection).
 * - EngineUnauthorized: credentials (UNAUTHENTICATED, PERMISSION_DENIED, no OAuth token); retried,
 *   since fixing a Secret or a role needs no change to the resource.
 * - EngineRejected: the engine refused the request itself (INVALID_ARGUMENT, FAILED_PRECONDITION,
 *   ALREADY_EXISTS, OUT_OF_RANGE); permanent until the spec changes.
 * - EngineNotFound: NOT_FOUND (deleting what is already gone is fine).
 * - EngineError: anything else (INTERNAL, UNKNOWN, UNIMPLEMENTED, a client-side exception …);
 *   retried with backoff, and reported as unexplained rather than as an outage.
 */
export type EngineFailureReason =
  'EngineUnavailable' | 'EngineUnauthorized' | 'EngineRejected' | 'EngineNotFound' | 'EngineError';

export class EngineCallError extends Error {
  constructor(
    readonly reason: EngineFailureReason,
    message: string,
    /**
     * True when the engine certainly did not execute the command (refused it, or it was never
     * sent). False when it may have: a deadline, a dropped connection, an unexplained error —
     * what startOnDeploy needs to know before it may try again.
     */
    readonly notExecuted = false,
  ) {
    super(message);
    this.name = 'EngineCallError';
  }

  /** Retried with backoff (the others wait for a change to the resource). */
  get transient(): boolean {
    return this.reason === 'EngineUnavailable' || this.reason === 'EngineUnauthorized' || this.reason === 'EngineError';
  }
}

/** gRPC status codes (grpc/status.h), the ones the classification names. */
const CODE = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The request never reached a gateway: nothing can have been executed. */
const NOT_CONNECTED = /No connection established|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/;
/** Failures of the connection itself, with no gRPC status. */
const CONNECTION = /ECONNRESET|ETIMEDOUT|EPIPE|socket hang up|channel (has been )?closed/i;
/** @camunda8/sdk's OAuth provider: the token request failed, so the call was never made. */
const OAUTH = /Failed to get token|Error requesting token|401 Unauthorized/;

function grpcCode(err: unknown, message: string): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return code;
  const m = /^(\d{1,2}) [A-Z_]+:/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** An SDK/gRPC error → the reason it maps to, once. */
export function classifyEngineError(err: unknown): EngineCallError {
  if (err instanceof EngineCallError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = grpcCode(err, message);
  switch (code) {
    case CODE.UNAVAILABLE:
      return new EngineCallError('EngineUnavailable', message, NOT_CONNECTED.test(message));
    case CODE.RESOURCE_EXHAUSTED: // Zeebe's backpressure: refused before processing
      return new EngineCallError('EngineUnavailable', message, true);
    case CODE.DEADLINE_EXCEEDED:
      return new EngineCallError('EngineUnavailable', message, false);
    case CODE.UNAUTHENTICATED:
    case CODE.PERMISSION_DENIED:
      return new EngineCallError('EngineUnauthorized', message, true);
    case CODE.INVALID_ARGUMENT:
    case CODE.FAILED_PRECONDITION:
    case CODE.ALREADY_EXISTS:
    case CODE.OUT_OF_RANGE:
      return new EngineCallError('EngineRejected', message, true);
    case CODE.NOT_FOUND:
      return new EngineCallError('EngineNotFound', message, true);
    case CODE.UNIMPLEMENTED:
      return new EngineCallError('EngineError', `the engine does not implement this call: ${message}`, true);
    case undefined:
      break;
    default: // CANCELLED, UNKNOWN, ABORTED, INTERNAL, DATA_LOSS and codes yet to come
      return new EngineCallError('EngineError', message, false);
  }
  if (OAUTH.test(message)) return new EngineCallError('EngineUnauthorized', message, true);
  if (NOT_CONNECTED.test(message)) return new EngineCallError('EngineUnavailable', message, true);
  if (CONNECTION.test(message)) return new EngineCallError('EngineUnavailable', message, false);
  return new EngineCallError('EngineError', message, false);
}
