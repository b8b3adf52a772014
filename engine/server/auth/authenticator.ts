// Who may talk to procos-engine (issue 14): one check of the `authorization` header, shared by
// the gRPC gateway, the monitoring port's read API and the REST API. The reason a request was
// refused is for the server's log only; clients learn nothing but "not authenticated".
import type { Logger } from 'pino';
import type { AuthResult, Verify } from './authorization-header.js';
import { oidcVerifier, type OidcOptions } from './oidc.js';
import { basicVerifier, tokenVerifier } from './static-credentials.js';

export const AUTH_MODES = ['none', 'oidc', 'token', 'basic'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export type { AuthResult };

export type AuthConfig =
  | { mode: 'none' }
  | ({ mode: 'oidc' } & OidcOptions)
  /** A file with one token per line (blank lines and # comments ignored). */
  | { mode: 'token'; tokenFile: string }
  /** A file with one user:password per line (blank lines and # comments ignored). */
  | { mode: 'basic'; basicFile: string };

export interface Authenticator {
  readonly mode: AuthMode;
  /** Whether a request with this `authorization` header (undefined: none sent) may pass. */
  check(authorization: string | undefined): Promise<AuthResult>;
  /** The HTTP challenge for a 401 (RFC 9110 §11.6.1). */
  readonly challenge: string;
}

/** What every refused client is told, on gRPC and HTTP alike: nothing about why. */
export const UNAUTHENTICATED_MESSAGE = 'Expected a valid authorization header, but the request was not authenticated';

export function noAuth(): Authenticator {
  return {
    mode: 'none',
    challenge: '',
    check: () => Promise.resolve({ ok: true, subject: 'anonymous' }),
  };
}

export function createAuthenticator(config: AuthConfig, log: Logger): Authenticator {
  if (config.mode === 'none') return noAuth();
  const verify: Verify =
    config.mode === 'oidc'
      ? oidcVerifier(config, log)
      : config.mode === 'token'
        ? tokenVerifier(config.tokenFile)
        : basicVerifier(config.basicFile);
  const authLog = log.child({ component: 'auth', mode: config.mode });
  return {
    mode: config.mode,
    challenge:
      config.mode === 'basic' ? 'Basic realm="procos-engine", charset="UTF-8"' : 'Bearer realm="procos-engine"',
    async check(authorization) {
      // The SDK's NONE strategy sends an empty header: the same as none at all.
      const result: AuthResult = authorization?.trim()
        ? await verify(authorization.trim()).catch((err: unknown) => ({
            ok: false as const,
            reason: `verification failed: ${err instanceof Error ? err.message : String(err)}`,
          }))
        : { ok: false, reason: 'no authorization header' };
      if (!result.ok) authLog.debug({ reason: result.reason }, 'request refused: not authenticated');
      return result;
    },
  };
}
