// The Camunda 8 REST API (Orchestration Cluster API v2) subset of procos-engine, on its own port
// like Camunda's 8080 (--rest-port): TLS when the gateway has it, the same authentication, bodies
// no larger than --max-message-size. One module per resource.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsFiles } from '../server/grpc-server.js';
import { authenticateHttp, type Authenticator } from '../server/auth/index.js';
import { sendProblem } from '../server/problem-detail.js';
import { parseJsonBody, readBody } from './http-io.js';
import { RestError, problemOf } from './problems.js';
import type { RestContext, RestRequest, Route } from './route.js';
import { topologyRoutes } from './topology.js';
import { deploymentRoutes } from './deployments.js';
import { processInstanceRoutes } from './process-instances.js';
import { variableRoutes } from './variables.js';
import { incidentRoutes } from './incidents.js';
import { jobRoutes } from './jobs.js';
import { userTaskRoutes } from './user-tasks.js';

export interface RestServerOptions {
  context: RestContext;
  port: number;
  tls?: TlsFiles;
  auth: Authenticator;
  onAuthRefused?: () => void;
  maxBodyBytes: number;
}

const RESOURCES: ((ctx: RestContext) => Route[])[] = [
  topologyRoutes,
  deploymentRoutes,
  processInstanceRoutes,
  variableRoutes,
  incidentRoutes,
  jobRoutes,
  userTaskRoutes,
];

interface CompiledRoute extends Route {
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}$`), names };
}

export async function startRestServer(o: RestServerOptions): Promise<{ server: Server; port: number }> {
  const routes = RESOURCES.flatMap((r) => r(o.context)).map(compile);
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(o, routes, req, res);
  };
  const server = o.tls ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.context.host, resolve);
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : o.port };
}

async function handle(
  o: RestServerOptions,
  routes: CompiledRoute[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '');
  const { engine, log } = o.context;
  try {
    if (!(await authenticateHttp(o.auth, req, res, o.onAuthRefused))) return void req.resume();
    const matching = routes.filter((r) => r.pattern.test(path));
    const route = matching.find((r) => r.method === req.method);
    if (!route) {
      if (matching.length)
        throw new RestError(405, 'Method Not Allowed', `${req.method ?? ''} is not allowed on ${path}`);
      throw new RestError(404, 'Not Found', `No endpoint ${path} (procos-engine serves a subset of Camunda's v2 API)`);
    }
    const match = route.pattern.exec(path) ?? [];
    const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(match[i + 1] ?? '')]));
    const closed = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) closed.abort();
    });
    let body: Promise<Buffer> | undefined;
    const request: RestRequest = {
      params,
      query: url.searchParams,
      headers: req.headers,
      body: () => (body ??= readBody(req, o.maxBodyBytes)),
      json: async () => parseJsonBody(await request.body()),
      closed: closed.signal,
    };
    const answer = await route.handle(request, o.context);
    await engine.durable(); // acknowledged only once its events are in the log, as on gRPC
    if (answer.body === undefined) {
      res.writeHead(answer.status);
      res.end();
    } else {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    }
  } catch (err) {
    await engine.durable().catch(() => undefined); // what a failed command emitted is committed too
    const problem = problemOf(err, path);
    if (!problem) log.error({ err, method: req.method, path }, 'unexpected error in the REST API');
    // A body too large is not read: close the connection rather than drain megabytes.
    const close: Record<string, string> = problem?.status === 413 ? { connection: 'close' } : {};
    sendProblem(
      res,
      problem ?? { title: 'INTERNAL', status: 500, detail: 'Unexpected error (see the engine log)', instance: path },
      close,
    );
  }
}
