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

/** Why an engine call failed, in the words of a status condition. */
export type EngineFailureReason = 'EngineUnavailable' | 'EngineRejected' | 'EngineNotFound';

export class EngineCallError extends Error {
  constructor(
    readonly reason: EngineFailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'EngineCallError';
  }
}

/** gRPC status text (as the SDK reports it) → condition reason. */
export function classifyEngineError(err: unknown): EngineCallError {
  const message = err instanceof Error ? err.message : String(err);
  if (/^5 NOT_FOUND/.test(message)) return new EngineCallError('EngineNotFound', message);
  if (/^(3 INVALID_ARGUMENT|9 FAILED_PRECONDITION|6 ALREADY_EXISTS|7 PERMISSION_DENIED)/.test(message))
    return new EngineCallError('EngineRejected', message);
  return new EngineCallError('EngineUnavailable', message);
}
