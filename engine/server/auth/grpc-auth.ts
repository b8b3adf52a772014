// Authentication on the gRPC gateway: a server interceptor reads the `authorization` metadata
// before any handler runs (the request message waits in grpc-js until the check is done) and
// ends the call with UNAUTHENTICATED (16), as Zeebe's gateway does, saying nothing about why.
import { ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { UNAUTHENTICATED_MESSAGE, type Authenticator } from './authenticator.js';

export function grpcAuthInterceptor(auth: Authenticator, onRefused?: () => void): ServerInterceptor {
  return (_method, call) =>
    new ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata, proceed) => {
            const value = metadata.get('authorization')[0];
            const header = typeof value === 'string' ? value : value?.toString('utf8');
            void auth.check(header).then((result) => {
              if (result.ok) return proceed(metadata);
              onRefused?.();
              call.sendStatus({ code: status.UNAUTHENTICATED, details: UNAUTHENTICATED_MESSAGE });
            });
          },
        });
      },
    });
}
