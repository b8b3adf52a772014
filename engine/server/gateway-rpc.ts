// A unary gateway RPC on our side: a function from its request to its response, both typed by
// the zeebe.proto the SDK ships (generated/, `make proto-types`). The wrapper makes it a grpc-js
// handler that answers only once the command's events are durable and maps errors to a gRPC
// status once. Values travel as the proto is loaded (GATEWAY_PROTO_OPTIONS): int64 as decimal
// strings, every scalar field present (defaults), enums by name.
import { status, type handleUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Engine } from '../processor/engine.js';
import type { GatewayHandlers } from './generated/gateway_protocol/Gateway.js';
import { GrpcError, invalidArgument, toServiceError } from './grpc-status.js';
import type { RequestTimer } from './request-metrics.js';

/** The gateway's RPCs by name: GatewayHandlers without grpc-js' catch-all index signature. */
type RpcName = keyof {
  [K in keyof GatewayHandlers as K extends string ? (string extends K ? never : K) : never]: unknown;
};
export type UnaryRpcName = Exclude<RpcName, 'ActivateJobs' | 'StreamActivatedJobs'>;
/** The request as grpc-js hands it over (`Foo__Output`: every field present). */
export type RequestOf<K extends UnaryRpcName> =
  GatewayHandlers[K] extends handleUnaryCall<infer Request, unknown> ? Request : never;
/**
 * The response with every field set, as Zeebe sends it (`Foo`: int64 as number, string or Long).
 * Required also makes a misspelled field an error: TypeScript checks no excess properties
 * against the `T | Promise<T>` an RPC returns.
 */
export type ResponseOf<K extends UnaryRpcName> =
  GatewayHandlers[K] extends handleUnaryCall<never, infer Response> ? Required<Response> : never;
export type UnaryRpc<K extends UnaryRpcName> = (request: RequestOf<K>) => ResponseOf<K> | Promise<ResponseOf<K>>;

export interface RpcContext {
  engine: Engine;
  log: Logger;
  /** Times every unary call (procos_engine_request_duration_seconds). */
  timer?: RequestTimer;
}

/** Every unary RPC of the gateway, by name. */
export type UnaryRpcs = { [K in UnaryRpcName]: UnaryRpc<K> };

/** The grpc-js handlers of the unary RPCs. */
export function unaryHandlers(c: RpcContext, rpcs: UnaryRpcs): Pick<GatewayHandlers, UnaryRpcName> {
  const handlers: Record<string, handleUnaryCall<unknown, unknown>> = {};
  // Each rpc takes its own request type; grpc-js hands each handler the request of its method.
  for (const [name, rpc] of Object.entries(rpcs) as [UnaryRpcName, (request: unknown) => unknown][])
    handlers[name] = unaryHandler(c, name, rpc);
  return handlers as Pick<GatewayHandlers, UnaryRpcName>;
}

function unaryHandler(
  c: RpcContext,
  name: UnaryRpcName,
  rpc: (request: unknown) => unknown,
): handleUnaryCall<unknown, unknown> {
  const answer = async (request: unknown, callback: sendUnaryData<unknown>): Promise<void> => {
    const done = c.timer?.(name);
    try {
      const response = await rpc(request);
      await c.engine.durable(); // acknowledged only once its events are in the log
      done?.(status.OK);
      callback(null, response);
    } catch (err) {
      if (!(err instanceof GrpcError) && (err as Error).name !== 'Rejection')
        c.log.error({ err, rpc: name }, 'unexpected error');
      await c.engine.durable(); // events emitted before an unexpected error are committed too
      const error = toServiceError(err);
      done?.(error.code ?? status.UNKNOWN);
      callback(error);
    }
  };
  // grpc-js ignores what a handler returns; answer() settles every call itself.
  return (call, callback) => void answer(call.request, callback);
}

export const DEFAULT_TENANT = '<default>';

/** An int64 request field (a decimal string; '0' when unset) as the engine's number. */
export function readInt64(text: string): number {
  return Number(text);
}

/** An engine key or time as an int64 response field, in the decimal form the SDK reads. */
export function writeInt64(value: number): string {
  return String(value);
}

/** Multi-tenancy is disabled, as in a default Zeebe: only no tenant or the default one. */
export function checkTenant(tenantId: string): void {
  if (tenantId !== '' && tenantId !== DEFAULT_TENANT) {
    throw invalidArgument(
      `Expected to handle request with tenant identifier '${tenantId}', but multi-tenancy is disabled`,
    );
  }
}

export function checkTenants(tenantIds: readonly string[]): void {
  for (const t of tenantIds) checkTenant(t);
}
