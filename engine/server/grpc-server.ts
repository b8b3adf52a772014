// The gRPC server for gateway_protocol.Gateway, from the zeebe.proto that ships in the
// installed @camunda8/sdk (no copy that could drift from the client).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  Server,
  ServerCredentials,
  loadPackageDefinition,
  type GrpcObject,
  type ServerInterceptor,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/zeebe.js';
import type { GatewayDefinition } from './generated/gateway_protocol/Gateway.js';

const require = createRequire(import.meta.url);

export function zeebeProtoPath(): string {
  const sdkMain = require.resolve('@camunda8/sdk');
  // .../@camunda8/sdk/dist/index.js → .../dist/proto/zeebe.proto
  return join(dirname(sdkMain), 'proto', 'zeebe.proto');
}

/**
 * The SDK client's own options, so both sides agree on every field's shape; the types in
 * generated/ are made with the same ones (generate-proto-types.ts).
 */
export const GATEWAY_PROTO_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} as const satisfies Options;

/** gateway_protocol loaded as the SDK client loads it. */
export function loadGatewayPackage(): GrpcObject & ProtoGrpcType {
  return loadPackageDefinition(loadSync(zeebeProtoPath(), GATEWAY_PROTO_OPTIONS)) as GrpcObject & ProtoGrpcType;
}

export function gatewayServiceDefinition(): GatewayDefinition {
  return loadGatewayPackage().gateway_protocol.Gateway.service;
}

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** Starts the server; resolves with the bound port (0 picks a free one). */
/** Zeebe's gateway refuses larger messages (its maxMessageSize default, 4 MB) with RESOURCE_EXHAUSTED. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export async function startGrpcServer(
  service: UntypedServiceImplementation,
  host: string,
  port: number,
  tls?: TlsFiles,
  maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  /** Run before every handler, e.g. the authentication check. */
  interceptors: ServerInterceptor[] = [],
): Promise<{ server: Server; port: number }> {
  // grpc-js answers a larger request with RESOURCE_EXHAUSTED before it reaches the engine.
  const server = new Server({ 'grpc.max_receive_message_length': maxMessageBytes, interceptors });
  server.addService(gatewayServiceDefinition(), service);
  const credentials = tls
    ? ServerCredentials.createSsl(null, [{ cert_chain: tls.cert, private_key: tls.key }], false)
    : ServerCredentials.createInsecure();
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, credentials, (err, p) => {
      if (!err) return resolve(p);
      server.forceShutdown(); // nothing bound, but let nothing of it outlive the failure
      reject(err);
    });
  });
  return { server, port: bound };
}
