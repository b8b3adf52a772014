// The probe endpoints on their own: readiness says which check failed and why, and a draining
// worker is not ready whatever its checks say.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorkerHttp } from './worker-http.js';
import { WorkerMetrics } from './worker-metrics.js';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(o: { draining: boolean; engineUp: boolean }) {
  const s = await startWorkerHttp({
    port: 0,
    host: '127.0.0.1',
    metrics: new WorkerMetrics(),
    draining: () => o.draining,
    cacheMs: 0,
    log: pino({ level: 'silent' }),
    checks: [
      { name: 'engine', check: () => (o.engineUp ? Promise.resolve() : Promise.reject(new Error('14 UNAVAILABLE'))) },
      { name: 'mail.send (smtp)', check: () => Promise.resolve() },
    ],
  });
  servers.push(s);
  return async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${s.port}${path}`);
    return { status: res.status, body: await res.json().catch((): unknown => undefined) };
  };
}

describe('worker probe endpoints', () => {
  it('/ready is 503 naming the failing check and its reason; 200 once it passes', async () => {
    const state = { draining: false, engineUp: false };
    const get = await serve(state);
    expect(await get('/ready')).toEqual({
      status: 503,
      body: {
        status: 'not ready',
        checks: [
          { name: 'engine', ok: false, message: '14 UNAVAILABLE' },
          { name: 'mail.send (smtp)', ok: true },
        ],
      },
    });
    state.engineUp = true;
    expect((await get('/ready')).status).toBe(200);
  });

  it('a draining worker is not ready, but alive', async () => {
    const get = await serve({ draining: true, engineUp: true });
    expect(await get('/ready')).toEqual({ status: 503, body: { status: 'draining' } });
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'ok' } });
  });
});
