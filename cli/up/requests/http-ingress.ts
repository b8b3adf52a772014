// The HTTP door of the system:
//   POST /requests            {type, payload, id?} → 202 {id, state, instanceKey} (Location: /requests/{id})
//   POST /requests?wait=true  → 200 with the result once the request's process answered
//                               (create-with-result semantics; ?timeout=SECONDS, default 30),
//                               or 202 with the state so far when it did not answer in time
//   GET  /requests/{id}       → the request's state, instance key and result
//   GET  /ready, /health      → whether requests are taken now
// Refusals are RFC 9457 problem details (application/problem+json), as Camunda's REST API
// answers; a refused request never reaches the engine.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestRecord } from './request-log.js';
import { RequestRefused, type RequestGateway } from './request-gateway.js';

export interface HttpIngressOptions {
  gateway: RequestGateway;
  host: string;
  port: number;
  /** Largest request body accepted (default 1 MiB). */
  maxBodyBytes?: number;
  /** Without ?wait: how long to wait for the instance key before answering 202 (default 5 s). */
  trackWaitMs?: number;
}

const MAX_WAIT_SECONDS = 300;

function problem(res: ServerResponse, status: number, reason: string, detail: string, instance?: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title: reason, status, detail, ...(instance ? { instance } : {}) }));
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** What a client sees of a request. */
export function requestView(r: RequestRecord, duplicate?: boolean): Record<string, unknown> {
  return {
    id: r.id,
    type: r.type,
    state: r.state,
    ...(r.instanceKey ? { instanceKey: r.instanceKey } : {}),
    ...(r.result !== undefined ? { result: r.result } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    ...(duplicate ? { duplicate: true } : {}),
  };
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max)
    throw new RequestRefused(413, 'BodyTooLarge', `the body is ${declared} bytes; at most ${max} are accepted`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new RequestRefused(413, 'BodyTooLarge', `the body is over ${max} bytes, the most accepted`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const finished = (r: RequestRecord): boolean => r.state === 'completed' || r.state === 'failed';
const tracked = (r: RequestRecord): boolean => r.state !== 'accepted';

export class HttpIngress {
  private server?: Server;

  constructor(private readonly o: HttpIngressOptions) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (err instanceof RequestRefused) problem(res, err.status, err.reason, err.message, req.url);
        else problem(res, 500, 'InternalError', err instanceof Error ? err.message : String(err), req.url);
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    const a = server.address() as AddressInfo;
    return `http://${this.o.host}:${a.port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://ingress');
    const g = this.o.gateway;
    if (url.pathname === '/requests' && req.method === 'POST') return this.post(req, res, url);
    const one = /^\/requests\/([^/]+)$/.exec(url.pathname);
    if (one && req.method === 'GET') {
      const id = decodeURIComponent(one[1] ?? '');
      const r = g.get(id);
      if (!r) return problem(res, 404, 'RequestNotFound', `no request with id ${id}`, url.pathname);
      return json(res, 200, requestView(r));
    }
    if (url.pathname === '/ready' || url.pathname === '/health') {
      const why = url.pathname === '/ready' ? g.notReady() : undefined;
      return why ? problem(res, 503, 'NotReady', why) : json(res, 200, { status: 'ready' });
    }
    if (url.pathname === '/requests' || one)
      return problem(res, 405, 'MethodNotAllowed', `${req.method ?? ''} is not allowed here`);
    return problem(res, 404, 'NotFound', 'try POST /requests, GET /requests/{id}, /ready or /health', url.pathname);
  }

  private async post(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
    if (type !== 'application/json')
      throw new RequestRefused(
        415,
        'UnsupportedMediaType',
        `send the request as application/json (got ${type || 'no content type'})`,
      );
    const raw = await readBody(req, this.o.maxBodyBytes ?? 1024 * 1024);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new RequestRefused(400, 'InvalidJson', `the body is not JSON: ${(err as Error).message}`);
    }
    const wait = url.searchParams.get('wait') === 'true';
    const seconds = Number(url.searchParams.get('timeout') ?? 30);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_WAIT_SECONDS)
      throw new RequestRefused(400, 'InvalidTimeout', `timeout is seconds, above 0 and at most ${MAX_WAIT_SECONDS}`);
    const { record, duplicate } = await this.o.gateway.submit(body);
    const location = `/requests/${encodeURIComponent(record.id)}`;
    const answered = await this.o.gateway.wait(
      record.id,
      wait ? finished : tracked,
      wait ? seconds * 1000 : (this.o.trackWaitMs ?? 5000),
    );
    const r = answered ?? record;
    json(res, wait && finished(r) ? 200 : 202, requestView(r, duplicate), { location });
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeAllConnections();
  }
}
