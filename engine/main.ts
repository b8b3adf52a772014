import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { main } from '../lib/cli/entry-point.js';
import { createLogger } from '../lib/logging/logger.js';
import { startTracing } from '../lib/telemetry/tracing.js';
import { startEngine } from './procos-engine.js';
import { AUTH_MODES, createAuthenticator, type AuthConfig } from './server/auth/index.js';

const help = `
The embedded ProcOS engine: a durable BPMN engine that speaks the Zeebe gateway gRPC protocol,
so @camunda8/sdk clients and job workers work against it unchanged.

Usage:
  procos-engine [options]

Options:
  --host HOST               Address to bind (default 127.0.0.1; env PROCOS_ENGINE_HOST)
  --port PORT               gRPC port (default 26500; env PROCOS_ENGINE_PORT)
  --monitoring-port PORT    HTTP port for /metrics, /ready, /health and the read API
                            /v1/process-instances, /v1/incidents, /v1/jobs/backlog (default 9600)
  --rest-port PORT          Serve the Camunda 8 REST API (v2) subset on this port, as Camunda
                            does on 8080 (env PROCOS_ENGINE_REST_PORT; off when not given):
                            topology, deployments (multipart, as Desktop Modeler sends), process
                            instances (create incl. awaitCompletion, search, get, cancel),
                            variables, incidents (search, get, resolve), jobs (search,
                            activation, completion, failure, error, update). TLS and --auth apply;
                            bodies over --max-message-size get 413
  --data-dir DIR            Where the event log lives (default ./procos-data; env PROCOS_DATA_DIR)
  --in-memory               Keep nothing on disk (tests); state is lost on exit
  --snapshot-every N        Snapshot the state every N events (default 100000) and on shutdown;
                            a restart replays only the events after the newest snapshot
  --tls-cert FILE           Serve TLS with this certificate chain (PEM) ...
  --tls-key FILE            ... and this private key (PEM); plaintext without them
  --max-message-size BYTES  Largest request accepted (default 4194304, Zeebe gateway's
                            default); larger ones are refused with RESOURCE_EXHAUSTED (gRPC)
                            or 413 (REST)
  --help, --version

Authentication (gRPC, the REST API, the read API /v1/...; /metrics, /ready, /health stay open):
  --auth MODE               none (default), oidc, token or basic (env PROCOS_ENGINE_AUTH).
                            Refused calls get UNAUTHENTICATED (16) / HTTP 401, with no reason
                            given; LOG_LEVEL=debug logs the reason
  --oidc-issuer URL         oidc: the issuer every token must name (iss), e.g. a Keycloak realm
                            URL (env PROCOS_ENGINE_OIDC_ISSUER)
  --oidc-audience AUD[,AUD] oidc: the audience(s) a token must name (aud), e.g. zeebe-api
                            (env PROCOS_ENGINE_OIDC_AUDIENCE)
  --oidc-jwks-url URL       oidc: the issuer's signing keys (JWKS); default: the jwks_uri of
                            ISSUER/.well-known/openid-configuration (env PROCOS_ENGINE_OIDC_JWKS_URL)
  --auth-token-file FILE    token: bearer tokens, one per line (env PROCOS_ENGINE_AUTH_TOKEN_FILE)
  --auth-basic-file FILE    basic: user:password lines (env PROCOS_ENGINE_AUTH_BASIC_FILE)
Plaintext without authentication is meant for loopback: binding any other address without
--auth or without TLS logs a SECURITY WARNING.

Clients connect with ZEEBE_GRPC_ADDRESS=grpc://HOST:PORT (plaintext; grpcs:// with TLS) and the
@camunda8/sdk's own credentials: CAMUNDA_AUTH_STRATEGY=OAUTH with ZEEBE_CLIENT_ID,
ZEEBE_CLIENT_SECRET, CAMUNDA_OAUTH_URL and ZEEBE_TOKEN_AUDIENCE (oidc); BEARER with
CAMUNDA_OAUTH_TOKEN (token); BASIC with CAMUNDA_BASIC_AUTH_USERNAME / _PASSWORD (basic).
Logs are JSON lines on stdout (pino); set LOG_LEVEL=debug for more.
`;

const Flags = z
  .object({
    host: z
      .string()
      .min(1)
      .default(process.env.PROCOS_ENGINE_HOST ?? '127.0.0.1'),
    port: z.coerce
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(Number(process.env.PROCOS_ENGINE_PORT ?? 26500)),
    'monitoring-port': z.coerce.number().int().min(0).max(65535).default(9600),
    'rest-port': z.coerce.number().int().min(0).max(65535).optional(),
    'data-dir': z
      .string()
      .min(1)
      .default(process.env.PROCOS_DATA_DIR ?? 'procos-data'),
    'in-memory': z.boolean().default(false),
    'snapshot-every': z.coerce.number().int().min(1).default(100_000),
    'tls-cert': z.string().optional(),
    'tls-key': z.string().optional(),
    'max-message-size': z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .max(1024 * 1024 * 1024)
      .default(4 * 1024 * 1024),
    auth: z.enum(AUTH_MODES).default('none'),
    'oidc-issuer': z.url().optional(),
    'oidc-audience': z
      .string()
      .optional()
      .transform((a) =>
        a
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    'oidc-jwks-url': z.url().optional(),
    'auth-token-file': z.string().min(1).optional(),
    'auth-basic-file': z.string().min(1).optional(),
  })
  .refine((f) => (f['tls-cert'] === undefined) === (f['tls-key'] === undefined), {
    message: '--tls-cert and --tls-key go together',
  })
  .superRefine((f, ctx) => {
    const need = (flag: keyof typeof f, mode: string): void => {
      if (f.auth === mode && (f[flag] === undefined || (Array.isArray(f[flag]) && !f[flag].length)))
        ctx.addIssue({ code: 'custom', path: [flag], message: `--auth ${mode} needs --${flag}` });
      if (f.auth !== mode && f[flag] !== undefined)
        ctx.addIssue({ code: 'custom', path: [flag], message: `--${flag} is for --auth ${mode}` });
    };
    need('oidc-issuer', 'oidc');
    need('oidc-audience', 'oidc');
    if (f.auth !== 'oidc' && f['oidc-jwks-url'] !== undefined)
      ctx.addIssue({ code: 'custom', path: ['oidc-jwks-url'], message: '--oidc-jwks-url is for --auth oidc' });
    need('auth-token-file', 'token');
    need('auth-basic-file', 'basic');
  });

/** Flags given in the environment; a flag on the command line wins. */
const ENV: Record<string, string> = {
  'rest-port': 'PROCOS_ENGINE_REST_PORT',
  auth: 'PROCOS_ENGINE_AUTH',
  'oidc-issuer': 'PROCOS_ENGINE_OIDC_ISSUER',
  'oidc-audience': 'PROCOS_ENGINE_OIDC_AUDIENCE',
  'oidc-jwks-url': 'PROCOS_ENGINE_OIDC_JWKS_URL',
  'auth-token-file': 'PROCOS_ENGINE_AUTH_TOKEN_FILE',
  'auth-basic-file': 'PROCOS_ENGINE_AUTH_BASIC_FILE',
};

function authConfig(f: z.infer<typeof Flags>): AuthConfig {
  switch (f.auth) {
    case 'oidc':
      return {
        mode: 'oidc',
        issuer: f['oidc-issuer'] ?? '',
        audience: f['oidc-audience'] ?? [],
        jwksUrl: f['oidc-jwks-url'],
      };
    case 'token':
      return { mode: 'token', tokenFile: f['auth-token-file'] ?? '' };
    case 'basic':
      return { mode: 'basic', basicFile: f['auth-basic-file'] ?? '' };
    default:
      return { mode: 'none' };
  }
}

await main({
  name: 'procos-engine',
  help,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'monitoring-port': { type: 'string' },
        'rest-port': { type: 'string' },
        'data-dir': { type: 'string' },
        'in-memory': { type: 'boolean' },
        'snapshot-every': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'max-message-size': { type: 'string' },
        auth: { type: 'string' },
        'oidc-issuer': { type: 'string' },
        'oidc-audience': { type: 'string' },
        'oidc-jwks-url': { type: 'string' },
        'auth-token-file': { type: 'string' },
        'auth-basic-file': { type: 'string' },
      },
      allowPositionals: true,
    });
    if (positionals.length) throw new Error(`unexpected argument "${positionals.join(' ')}" (see --help)`);
    const fromEnv = Object.fromEntries(
      Object.entries(ENV).flatMap(([flag, name]) => (process.env[name] ? [[flag, process.env[name]]] : [])),
    );
    const parsed = Flags.safeParse({ ...fromEnv, ...values });
    if (!parsed.success)
      throw new Error(
        parsed.error.issues.map((i) => `${i.path.length ? `--${i.path.join('.')}: ` : ''}${i.message}`).join('; '),
      );
    const f = parsed.data;
    const log = createLogger('procos-engine');
    const tracing = startTracing('procos-engine');
    if (tracing.endpoint) log.info({ otlpEndpoint: tracing.endpoint }, 'exporting traces');
    const running = await startEngine({
      host: f.host,
      port: f.port,
      monitoringPort: f['monitoring-port'],
      restPort: f['rest-port'],
      dataDir: f['in-memory'] ? undefined : f['data-dir'],
      snapshotEvery: f['snapshot-every'],
      maxMessageBytes: f['max-message-size'],
      tls:
        f['tls-cert'] && f['tls-key']
          ? { cert: readFileSync(f['tls-cert']), key: readFileSync(f['tls-key']) }
          : undefined,
      auth: createAuthenticator(authConfig(f), log),
      log,
    });
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        log.info({ signal }, 'shutting down');
        void running.stop().then(resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    await tracing.shutdown();
    return 0;
  },
});
