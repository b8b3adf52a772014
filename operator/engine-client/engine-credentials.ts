// The engine credentials the operator runs with, as worker pods need them (issue 14): the
// @camunda8/sdk variables of the operator's CAMUNDA_AUTH_STRATEGY, read from its environment
// (the chart fills it from engine.auth.existingSecret or the bundled engine's token Secret).
// A Secret of the operator's namespace cannot be mounted by pods of other namespaces, so the
// operator copies these into a Secret each pool owns (worker-objects.ts), never into pod env.
import { scryptSync } from 'node:crypto';
import { z } from 'zod';

/** The SDK's strategies (its CAMUNDA_AUTH_STRATEGY choices). */
const Strategy = z.enum(['NONE', 'OAUTH', 'BASIC', 'BEARER', 'COOKIE']);
export type AuthStrategy = z.infer<typeof Strategy>;

/**
 * What the SDK reads for each strategy (lib/Configuration.js and the auth providers of
 * @camunda8/sdk 8.8): the required ones must be set, the optional ones are handed on when set.
 */
export const CREDENTIAL_VARIABLES: Record<AuthStrategy, { required: string[]; optional: string[] }> = {
  NONE: { required: [], optional: [] },
  BEARER: { required: ['CAMUNDA_OAUTH_TOKEN'], optional: [] },
  BASIC: { required: ['CAMUNDA_BASIC_AUTH_USERNAME', 'CAMUNDA_BASIC_AUTH_PASSWORD'], optional: [] },
  OAUTH: {
    required: ['ZEEBE_CLIENT_ID', 'ZEEBE_CLIENT_SECRET', 'CAMUNDA_OAUTH_URL'],
    optional: [
      'ZEEBE_TOKEN_AUDIENCE',
      'CAMUNDA_ZEEBE_OAUTH_AUDIENCE',
      'CAMUNDA_TOKEN_SCOPE',
      'CAMUNDA_OAUTH_TOKEN_REFRESH_THRESHOLD_MS',
    ],
  },
  COOKIE: {
    required: ['CAMUNDA_COOKIE_AUTH_URL', 'CAMUNDA_COOKIE_AUTH_USERNAME', 'CAMUNDA_COOKIE_AUTH_PASSWORD'],
    optional: [],
  },
};

export interface EngineCredentials {
  strategy: Exclude<AuthStrategy, 'NONE'>;
  /** The environment a client needs to authenticate as the operator does (a Secret's data). */
  env: Record<string, string>;
  /**
   * Changes when the credentials do: the worker pod template carries it, so rotated credentials
   * roll the workers (they read their environment once). A slow, salted hash: Deployments are
   * readable by more people than Secrets, and a password must not be guessable from it offline.
   */
  fingerprint: string;
}

/**
 * The operator's engine credentials, or undefined when it talks to the engine without any. As
 * the SDK does, an unset strategy with OAuth credentials and CAMUNDA_OAUTH_URL means OAUTH.
 */
export function engineCredentials(env: Record<string, string | undefined>): EngineCredentials | undefined {
  const set = (name: string): string | undefined => (env[name]?.trim() ? env[name] : undefined);
  const named = set('CAMUNDA_AUTH_STRATEGY');
  const parsed = Strategy.safeParse(named?.toUpperCase() ?? 'NONE');
  if (!parsed.success)
    throw new Error(`CAMUNDA_AUTH_STRATEGY: '${named ?? ''}' is not one of ${Strategy.options.join(', ')}`);
  let strategy = parsed.data;
  if (env.CAMUNDA_OAUTH_DISABLED === 'true') strategy = 'NONE';
  else if (!named && set('CAMUNDA_OAUTH_URL') && set('ZEEBE_CLIENT_ID') && set('ZEEBE_CLIENT_SECRET'))
    strategy = 'OAUTH';
  if (strategy === 'NONE') return undefined;
  const { required, optional } = CREDENTIAL_VARIABLES[strategy];
  const missing = required.filter((n) => !set(n));
  if (missing.length)
    throw new Error(`CAMUNDA_AUTH_STRATEGY=${strategy} needs ${missing.join(', ')} in the environment`);
  const out: Record<string, string> = { CAMUNDA_AUTH_STRATEGY: strategy };
  for (const name of [...required, ...optional]) {
    const value = set(name);
    if (value !== undefined) out[name] = value;
  }
  // Worker pods have a read-only root filesystem: the SDK's OAuth token cache on disk would fail
  // its start ("Cannot write to OAuth cache dir"); tokens are kept in memory instead.
  if (strategy === 'OAUTH') out.CAMUNDA_TOKEN_DISK_CACHE_DISABLE = 'true';
  return { strategy, env: out, fingerprint: fingerprintOf(out) };
}

function fingerprintOf(env: Record<string, string>): string {
  const canonical = JSON.stringify(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)));
  return scryptSync(canonical, 'procos-engine-credentials', 16, { N: 2 ** 14 }).toString('hex');
}
