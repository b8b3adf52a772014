import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Camunda8 } from '@camunda8/sdk';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../lib/testing/temp-dir.js';
import type { ZeebeGrpcClient } from '../../../lib/zeebe/sdk-client.js';
import { startEngine } from '../../procos-engine.js';
import { rejectionOf, sdkClient, startHarness, type Harness } from '../../testing/engine-harness.js';
import { startTokenIssuer, type TokenIssuer } from '../../testing/token-issuer.js';
import { UNAUTHENTICATED_MESSAGE, createAuthenticator, exposureWarnings, type AuthConfig } from './index.js';
import { oidcVerifier } from './oidc.js';

const helloBpmn = readFileSync(new URL('../../../processes/hello.bpmn', import.meta.url));
const silent = pino({ level: 'silent' });
const AUDIENCE = 'zeebe-api';

/** What a refused SDK call shows its user: code 16 and our fixed words, nothing about the token. */
function expectRefused(err: Error): void {
  expect(err.message).toContain(`16 UNAUTHENTICATED: ${UNAUTHENTICATED_MESSAGE}`);
  expect(err.message).not.toMatch(/expir|audience|aud\b|signature|issuer|iss\b|kid|jwks/i);
}

/** An SDK client built from the settings a user would put in the environment. */
function sdkWith(address: string, settings: Record<string, unknown>): ZeebeGrpcClient {
  return new Camunda8({
    ZEEBE_GRPC_ADDRESS: `grpc://${address}`,
    CAMUNDA_LOG_LEVEL: 'none',
    ...settings,
    zeebeGrpcSettings: { ZEEBE_GRPC_CLIENT_RETRY: false, ZEEBE_CLIENT_LOG_LEVEL: 'NONE' },
  } as never).getZeebeGrpcApiClient();
}

async function runHello(zbc: ZeebeGrpcClient): Promise<Record<string, unknown>> {
  await zbc.deployResource({ name: 'hello.bpmn', process: helloBpmn });
  zbc.createWorker({
    taskType: 'hello.greet',
    taskHandler: (job) => job.complete({ greeting: `Hello, ${job.variables.name as string}!` }),
  });
  zbc.createWorker({ taskType: 'hello.reply', taskHandler: (job) => job.complete({ reply: 'done' }) });
  const result = await zbc.createProcessInstanceWithResult({ bpmnProcessId: 'hello', variables: { name: 'Ada' } });
  return result.variables;
}

describe('--auth oidc: JWTs from the issuer, through the SDK OAUTH strategy', () => {
  let issuer: TokenIssuer;
  let h: Harness;
  let cacheDir: string;
  const clients: ZeebeGrpcClient[] = [];

  const oauthClient = (id: string, secret: string, audience = AUDIENCE): ZeebeGrpcClient => {
    const c = sdkWith(h.running.address, {
      CAMUNDA_AUTH_STRATEGY: 'OAUTH',
      CAMUNDA_OAUTH_URL: issuer.tokenUrl,
      ZEEBE_CLIENT_ID: id,
      ZEEBE_CLIENT_SECRET: secret,
      ZEEBE_TOKEN_AUDIENCE: audience,
      // The SDK caches tokens on disk (default ~/.camunda): keep them in this test's folder.
      CAMUNDA_TOKEN_CACHE_DIR: cacheDir,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    cacheDir = tempDir('procos-token-cache-');
    issuer = await startTokenIssuer();
    issuer.addClient('worker', 'worker-secret');
    issuer.addClient('late', 'late-secret', 'expired');
    issuer.addClient('forger', 'forger-secret', 'forged');
    issuer.addClient('elsewhere', 'elsewhere-secret', 'wrong-issuer');
    // Its own client id: the SDK's disk cache keys tokens by client id, not by audience.
    issuer.addClient('operate', 'operate-secret');
    // No --oidc-jwks-url: the keys are found through the issuer's discovery document.
    h = await startHarness({
      auth: createAuthenticator({ mode: 'oidc', issuer: issuer.issuer, audience: [AUDIENCE] }, silent),
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close(1000).catch(() => undefined)));
    await h.stop();
    await issuer.stop();
  });

  it('a valid token deploys, starts an instance, and job workers complete its jobs', async () => {
    const zbc = oauthClient('worker', 'worker-secret');
    expect(await runHello(zbc)).toMatchObject({ name: 'Ada', greeting: 'Hello, Ada!', reply: 'done' });
    expect(issuer.issued('worker')).toBeGreaterThanOrEqual(1);
  });

  it('refuses a call without a token with UNAUTHENTICATED', async () => {
    expectRefused(await rejectionOf(sdkClient(h.running.address).topology()));
  });

  it.each([
    ['an expired token', 'late', 'late-secret', AUDIENCE],
    ['a token signed with a key not in the JWKS', 'forger', 'forger-secret', AUDIENCE],
    ['a token for another audience', 'operate', 'operate-secret', 'operate-api'],
    ['a token from another issuer', 'elsewhere', 'elsewhere-secret', AUDIENCE],
  ])('refuses %s with UNAUTHENTICATED and no reason', async (_what, id, secret, audience) => {
    const before = issuer.issued(id);
    const zbc = oauthClient(id, secret, audience);
    expectRefused(await rejectionOf(zbc.deployResource({ name: 'hello.bpmn', process: helloBpmn })));
    expect(issuer.issued(id)).toBeGreaterThan(before); // the SDK did fetch a token, and it was refused
  });

  it('guards the read API (401 problem, no reason) but leaves /metrics, /ready and /health open', async () => {
    const base = `http://127.0.0.1:${h.running.monitoringPort}`;
    const anonymous = await fetch(`${base}/v1/process-instances`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await anonymous.json()).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: UNAUTHENTICATED_MESSAGE,
      instance: '/v1/process-instances',
    });
    const expired = await issuer.sign({ sub: 'reader', aud: AUDIENCE, flaw: 'expired' });
    const refused = await fetch(`${base}/v1/incidents`, { headers: { authorization: `Bearer ${expired}` } });
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toMatch(/expir/i);
    const token = await issuer.sign({ sub: 'reader', aud: AUDIENCE });
    const allowed = await fetch(`${base}/v1/process-instances`, { headers: { authorization: `Bearer ${token}` } });
    expect(allowed.status).toBe(200);
    expect(Array.isArray(await allowed.json())).toBe(true);
    for (const open of ['/metrics', '/ready', '/health']) expect((await fetch(`${base}${open}`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/procos_engine_unauthenticated_requests_total\{api="http"\} [1-9]/);
    expect(metrics).toMatch(/procos_engine_unauthenticated_requests_total\{api="grpc"\} [1-9]/);
  });
});

describe('OIDC verification', () => {
  it('remembers a verified token only until it expires', async () => {
    const issuer = await startTokenIssuer();
    try {
      let now = Date.now();
      const verify = oidcVerifier(
        { issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, audience: [AUDIENCE] },
        silent,
        () => now,
      );
      const header = `Bearer ${await issuer.sign({ sub: 'w', aud: AUDIENCE })}`; // expires in 300 s
      expect(await verify(header)).toEqual({ ok: true, subject: 'w' });
      now += 290_000;
      expect(await verify(header)).toEqual({ ok: true, subject: 'w' });
      now += 20_000; // past expiry and the 5 s tolerance
      expect(await verify(header)).toMatchObject({
        ok: false,
        reason: expect.stringContaining('ERR_JWT_EXPIRED') as string,
      });
    } finally {
      await issuer.stop();
    }
  });
});

describe('--auth token: static tokens from a file, through the SDK BEARER strategy', () => {
  let h: Harness;
  const clients: ZeebeGrpcClient[] = [];
  const bearer = (token: string): ZeebeGrpcClient => {
    const c = sdkWith(h.running.address, { CAMUNDA_AUTH_STRATEGY: 'BEARER', CAMUNDA_OAUTH_TOKEN: token });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    const file = join(tempDir('procos-auth-'), 'tokens');
    writeFileSync(file, '# rotated tokens: both are valid\nold-token-1234\n\n  s3cret-token-5678  \n');
    h = await startHarness({ auth: createAuthenticator({ mode: 'token', tokenFile: file }, silent) });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close(1000).catch(() => undefined)));
    await h.stop();
  });

  it('a token from the file deploys, starts an instance, and job workers complete its jobs', async () => {
    expect(await runHello(bearer('s3cret-token-5678'))).toMatchObject({ reply: 'done' });
    expect((await bearer('old-token-1234').topology()).brokers).toHaveLength(1);
  });

  it('refuses a wrong token, a missing one and a token in Basic clothing', async () => {
    expectRefused(await rejectionOf(bearer('s3cret-token-567').topology()));
    expectRefused(await rejectionOf(sdkClient(h.running.address).topology()));
    const basic = sdkWith(h.running.address, {
      CAMUNDA_AUTH_STRATEGY: 'BASIC',
      CAMUNDA_BASIC_AUTH_USERNAME: 's3cret-token-5678',
      CAMUNDA_BASIC_AUTH_PASSWORD: 'x',
    });
    clients.push(basic);
    expectRefused(await rejectionOf(basic.topology()));
  });
});

describe('--auth basic: user:password lines from a file, through the SDK BASIC strategy', () => {
  let h: Harness;
  const clients: ZeebeGrpcClient[] = [];
  const basic = (user: string, password: string): ZeebeGrpcClient => {
    const c = sdkWith(h.running.address, {
      CAMUNDA_AUTH_STRATEGY: 'BASIC',
      CAMUNDA_BASIC_AUTH_USERNAME: user,
      CAMUNDA_BASIC_AUTH_PASSWORD: password,
    });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    const file = join(tempDir('procos-auth-'), 'users');
    writeFileSync(file, 'operator:pa:ss\nworker:w0rker\n');
    h = await startHarness({ auth: createAuthenticator({ mode: 'basic', basicFile: file }, silent) });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close(1000).catch(() => undefined)));
    await h.stop();
  });

  it('lets a listed user in (a password may hold a colon) and refuses wrong passwords and unknown users', async () => {
    expect((await basic('operator', 'pa:ss').topology()).brokers).toHaveLength(1);
    expectRefused(await rejectionOf(basic('operator', 'pa:s').topology()));
    expectRefused(await rejectionOf(basic('nobody', 'w0rker').topology()));
    const res = await fetch(`http://127.0.0.1:${h.running.monitoringPort}/v1/incidents`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="procos-engine"/);
  });
});

describe('credential files', () => {
  it.each<[string, AuthConfig, RegExp]>([
    [
      'a missing token file',
      { mode: 'token', tokenFile: '/nonexistent/tokens' },
      /cannot read the token file .*ENOENT/,
    ],
    ['a token file with only comments', { mode: 'token', tokenFile: 'comments' }, /holds no token/],
    ['a basic file line without a colon', { mode: 'basic', basicFile: 'no-colon' }, /line 2: expected user:password/],
  ])('stop the engine at start on %s', (_what, config, error) => {
    const dir = tempDir('procos-auth-');
    writeFileSync(join(dir, 'comments'), '# nothing here\n\n');
    writeFileSync(join(dir, 'no-colon'), 'a:b\njust-a-user\n');
    const inDir = (f: string): string => (f.startsWith('/') ? f : join(dir, f));
    const resolved: AuthConfig =
      config.mode === 'token'
        ? { ...config, tokenFile: inDir(config.tokenFile) }
        : config.mode === 'basic'
          ? { ...config, basicFile: inDir(config.basicFile) }
          : config;
    expect(() => createAuthenticator(resolved, silent)).toThrow(error);
  });
});

describe('exposure warnings', () => {
  it.each([
    ['127.0.0.1', 'none', false, []],
    ['localhost', 'none', false, []],
    ['::1', 'none', false, []],
    ['0.0.0.0', 'none', false, ['WITHOUT AUTHENTICATION', 'WITHOUT TLS']],
    ['0.0.0.0', 'oidc', false, ['WITHOUT TLS']],
    ['::', 'token', true, []],
    ['engine.procos.svc', 'none', true, ['WITHOUT AUTHENTICATION']],
  ] as const)('on %s with --auth %s and TLS %s: %j', (host, auth, tls, expected) => {
    const warnings = exposureWarnings({ host, auth, tls });
    expect(warnings.map((w) => /WITHOUT [A-Z]+/.exec(w)?.[0])).toEqual(expected);
    for (const w of warnings) expect(w).toMatch(/^SECURITY WARNING: procos-engine listens on /);
  });

  it('an engine bound to all interfaces without auth or TLS logs them at warn; on loopback it does not', async () => {
    const lines: { level: number; msg: string }[] = [];
    const capture = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
        done();
      },
    });
    const log = pino({ level: 'info' }, capture);
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      const running = await startEngine({ host, port: 0, log });
      await running.stop();
    }
    const warnings = lines.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('procos-engine listens on 0.0.0.0 WITHOUT AUTHENTICATION');
    expect(warnings[1]).toContain('procos-engine listens on 0.0.0.0 WITHOUT TLS');
  });
});
