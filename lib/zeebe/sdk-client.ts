// An @camunda8/sdk gRPC client for a plaintext engine address (procos-engine or Zeebe).
import { Camunda8 } from '@camunda8/sdk';
import type { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';

export type { ZeebeGrpcClient };

export interface SdkClientOptions {
  /** Retry transient failures (UNAVAILABLE, …) like production clients do; off in most tests. */
  retry?: boolean;
}

export function sdkClient(address: string, options: SdkClientOptions = {}): ZeebeGrpcClient {
  return new Camunda8({
    ZEEBE_GRPC_ADDRESS: `grpc://${address}`,
    CAMUNDA_AUTH_STRATEGY: 'NONE',
    CAMUNDA_OAUTH_DISABLED: true,
    zeebeGrpcSettings: {
      ZEEBE_GRPC_CLIENT_RETRY: options.retry ?? false,
      ZEEBE_CLIENT_LOG_LEVEL: 'NONE',
      ZEEBE_GRPC_WORKER_POLL_INTERVAL_MS: 50,
    },
  } as never).getZeebeGrpcApiClient();
}
