export {
  AUTH_MODES,
  UNAUTHENTICATED_MESSAGE,
  createAuthenticator,
  noAuth,
  type AuthConfig,
  type AuthMode,
  type AuthResult,
  type Authenticator,
} from './authenticator.js';
export { exposureWarnings, isLoopback } from './exposure.js';
export { grpcAuthInterceptor } from './grpc-auth.js';
export { authenticateHttp } from './http-auth.js';
