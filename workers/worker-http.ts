// The worker's own HTTP endpoints, for probes and scrapes: /metrics (Prometheus), /health
// (liveness: the process answers) and /ready (readiness: not draining, the engine answers a
// topology request, every adapter's health check passes). Results of the checks are cached
// briefly so a probe storm does not become an engine storm.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { WorkerMetrics } from './worker-metrics.js';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface WorkerHttpOptions {
  port: number;
  host?: string;
  metrics: WorkerMetrics;
  draining(): boolean;
  checks: ReadinessCheck[];
  /** How long a check result is reused. */
  cacheMs?: number;
  log: Logger;
}

export async function startWorkerHttp(o: WorkerHttpOptions): Promise<{ port: number; close(): Promise<void> }> {
  const cacheMs = o.cacheMs ?? 2000;
  let cached: { at: number; result: Promise<{ name: string; ok: boolean; message?: string }[]> } | undefined;
  const runChecks = (): Promise<{ name: string; ok: boolean; message?: string }[]> => {
    if (!cached || performance.now() - cached.at > cacheMs)
      cached = {
        at: performance.now(),
        result: Promise.all(
          o.checks.map((c) =>
            c.check().then(
              () => ({ name: c.name, ok: true }),
              (err: unknown) => ({
                name: c.name,
                ok: false,
                message: err instanceof Error ? err.message : String(err),
              }),
            ),
          ),
        ),
      };
    return cached.result;
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    if (path === '/metrics') {
      o.metrics.registry.metrics().then(
        (text) => send(200, o.metrics.registry.contentType, text),
        (err: unknown) => send(500, 'text/plain', String(err)),
      );
    } else if (path === '/health' || path === '/healthz') {
      send(200, 'application/json', JSON.stringify({ status: 'ok' }));
    } else if (path === '/ready' || path === '/readyz') {
      if (o.draining()) {
        send(503, 'application/json', JSON.stringify({ status: 'draining' }));
        return;
      }
      void runChecks().then((checks) => {
        const ok = checks.every((c) => c.ok);
        send(ok ? 200 : 503, 'application/json', JSON.stringify({ status: ok ? 'ready' : 'not ready', checks }));
      });
    } else {
      send(404, 'text/plain', 'not found: try /metrics, /ready or /health\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
