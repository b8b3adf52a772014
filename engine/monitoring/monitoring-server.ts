// The monitoring port (Zeebe's is 9600): /metrics, /ready, /health, and a small JSON read API
// for what gRPC does not expose (instances, incidents, job backlog per type, recent history).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Engine } from '../processor/engine.js';
import type { InstanceHistory } from './instance-history.js';
import { authenticateHttp, type Authenticator } from '../server/auth/index.js';
import { readInstance, readInstances, readIncidents, readJobBacklog } from './read-api.js';

export interface MonitoringServerOptions {
  engine: Engine;
  registry: Registry;
  host: string;
  port: number;
  ready: () => boolean;
  history?: InstanceHistory;
  /** Guards the read API (/v1/...); /metrics, /ready and /health stay open for probes and scrapers. */
  auth?: Authenticator;
  onAuthRefused?: () => void;
}

export async function startMonitoringServer(o: MonitoringServerOptions): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    void handle(o, req, res).catch((err: unknown) => json(res, 500, { error: String(err) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, resolve);
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : o.port };
}

async function handle(o: MonitoringServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { engine, registry, ready, history } = o;
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '');
  if (req.method !== 'GET') return json(res, 405, { error: 'only GET is supported' });
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(await registry.metrics());
    return;
  }
  if (path === '/health' || path === '/actuator/health') return json(res, 200, { status: 'UP' });
  if (path === '/ready') return ready() ? json(res, 200, { status: 'UP' }) : json(res, 503, { status: 'DOWN' });
  // Everything else needs credentials, unknown paths too: open is a short list, not a pattern.
  if (o.auth && !(await authenticateHttp(o.auth, req, res, o.onAuthRefused))) return;
  if (path === '/v1/process-instances') return json(res, 200, readInstances(engine));
  const m = /^\/v1\/process-instances\/(\d+)$/.exec(path);
  if (m?.[1]) {
    const instance = readInstance(engine, Number(m[1]));
    return instance
      ? json(res, 200, instance)
      : json(res, 404, { error: `process instance ${m[1]} not found (finished instances are not kept)` });
  }
  if (path === '/v1/incidents') return json(res, 200, readIncidents(engine));
  if (history && path === '/v1/history/process-instances') {
    const limit = Number(url.searchParams.get('limit') ?? 100);
    return json(res, 200, history.list({ bpmnProcessId: url.searchParams.get('bpmnProcessId') ?? undefined, limit }));
  }
  const h = /^\/v1\/history\/process-instances\/(\d+)$/.exec(path);
  if (history && h?.[1]) {
    const tree = history.tree(h[1]);
    return tree
      ? json(res, 200, tree)
      : json(res, 404, {
          error: `process instance ${h[1]} is not in the history (it keeps the last 1000 since the engine started)`,
        });
  }
  if (path === '/v1/jobs/backlog') return json(res, 200, readJobBacklog(engine));
  return json(res, 404, {
    error: `no such endpoint: ${path}`,
    endpoints: [
      '/metrics',
      '/ready',
      '/health',
      '/v1/process-instances',
      '/v1/process-instances/{key}',
      '/v1/incidents',
      '/v1/jobs/backlog',
      '/v1/history/process-instances',
      '/v1/history/process-instances/{key}',
    ],
  });
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
