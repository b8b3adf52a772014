import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { rejectionOf } from '../../../engine/testing/engine-harness.js';
import { waitFor } from '../../../lib/testing/wait-for.js';
import { EgressDenied } from '../../egress.js';
import { testJobContext, testPolicy } from '../../testing/job-context.js';
import { BpmnError, TransientError } from '../service-adapter.js';
import { testCertificates } from '../testdata/test-certificates.js';
import { httpAdapter, httpConfig } from './http-adapter.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface TestServer {
  base: string;
  port: number;
  seen: Seen[];
  /** Responses a `hold` handler has not answered yet. */
  held: ServerResponse[];
  close(): Promise<void>;
}

type Handler = (req: Seen, res: ServerResponse, server: TestServer) => void;

/** A node:http server on 127.0.0.1, closed when the test (or, at describe level, the file) ends. */
async function serve(handler: Handler, scope: 'test' | 'file' = 'test'): Promise<TestServer> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      t.seen.push(seen);
      handler(seen, res, t);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const t: TestServer = {
    base: `http://127.0.0.1:${port}`,
    port,
    seen: [],
    held: [],
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  if (scope === 'test') onTestFinished(() => t.close());
  else afterAll(() => t.close());
  return t;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
}

const items: Record<string, { id: number; name: string }> = { '7': { id: 7, name: 'Widget' } };

/** The "normal" server: an item API, an echo of what was sent, a redirect, a plain-text page. */
const api = await serve((req, res) => {
  const url = new URL(req.url, 'http://x');
  const item = /^\/items\/(\w+)$/.exec(url.pathname);
  if (item) {
    const found = items[item[1]!];
    if (found) json(res, 200, found);
    else json(res, 404, { error: `no item ${item[1]!}` });
  } else if (url.pathname === '/echo')
    json(res, 201, {
      method: req.method,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      token: req.headers['x-token'],
      body: req.body,
    });
  else if (url.pathname === '/orders') json(res, 400, { error: 'quantity must be positive', field: 'quantity' });
  else if (url.pathname === '/old') res.writeHead(302, { location: '/items/7' }).end();
  else if (url.pathname === '/text') res.writeHead(200, { 'content-type': 'text/plain', 'x-kind': 'plain' }).end('hi');
  else res.writeHead(500).end();
}, 'file');

const context = testJobContext();
const run = (config: Record<string, unknown>, variables: Record<string, unknown> = {}, ctx = context) =>
  httpAdapter.execute(variables, httpConfig.parse(config), ctx);

describe('http adapter: requests and responses', () => {
  it('GETs a URL rendered from the variables and stores status, headers and the parsed JSON body', async () => {
    const out = await run({ url: `${api.base}/items/{{ item.id }}` }, { item: { id: 7 } });
    expect(out).toEqual({
      response: {
        status: 200,
        headers: expect.objectContaining({ 'content-type': 'application/json; charset=utf-8' }) as unknown,
        body: { id: 7, name: 'Widget' },
      },
    });
  });

  it('sends method, query, templated headers, basic auth and a templated JSON body', async () => {
    const out = await run(
      {
        url: `${api.base}/echo`,
        method: 'POST',
        query: { q: '{{ term }}', page: '2' },
        headers: { 'X-Token': 'tok-{{ user }}' },
        basicAuth: { username: 'svc', password: 's3cret' },
        body: '{"user": {{ user | json }}, "n": {{ n }}}',
        resultVariable: 'echo',
      },
      { term: 'a b&c', user: 'Ada "A"', n: 3 },
    );
    expect(out).toEqual({
      echo: expect.objectContaining({
        status: 201,
        body: {
          method: 'POST',
          query: { q: 'a b&c', page: '2' },
          contentType: 'application/json',
          authorization: `Basic ${Buffer.from('svc:s3cret').toString('base64')}`,
          token: 'tok-Ada "A"',
          body: '{"user": "Ada \\"A\\"", "n": 3}',
        },
      }) as unknown,
    });
  });

  it('sends a variable as the JSON body with bodyVariable', async () => {
    const order = { sku: 'w-1', qty: 2, tags: ['x'] };
    const out = await run({ url: `${api.base}/echo`, method: 'PUT', bodyVariable: 'order' }, { order });
    const body = (out.response as { body: { contentType: string; body: string } }).body;
    expect(body.contentType).toBe('application/json');
    expect(JSON.parse(body.body)).toEqual(order);
  });

  it('keeps a non-JSON body as text, or as base64 when asked', async () => {
    expect(await run({ url: `${api.base}/text` })).toMatchObject({
      response: { body: 'hi', headers: { 'x-kind': 'plain' } },
    });
    expect(await run({ url: `${api.base}/text`, responseAs: 'base64' })).toMatchObject({
      response: { body: Buffer.from('hi').toString('base64') },
    });
  });

  it('follows a redirect to the resource', async () => {
    expect(await run({ url: `${api.base}/old` })).toMatchObject({
      response: { status: 200, body: { id: 7, name: 'Widget' } },
    });
    expect(await run({ url: `${api.base}/old`, maxRedirects: 0, successCodes: ['2xx', 302] })).toMatchObject({
      response: { status: 302, headers: { location: '/items/7' } },
    });
  });

  it('does not carry Authorization to another origin on a redirect', async () => {
    const other = await serve((req, res) => json(res, 200, { authorization: req.headers.authorization ?? null }));
    const hop = await serve((_req, res) => res.writeHead(307, { location: `${other.base}/x` }).end());
    const out = await run({ url: `${hop.base}/`, headers: { Authorization: 'Bearer t' } });
    expect(out).toMatchObject({ response: { body: { authorization: null } } });
    expect(hop.seen[0]?.headers.authorization).toBe('Bearer t');
  });

  it('lists the variables its templates read as fetchVariables', () => {
    const config = httpConfig.parse({
      url: 'https://api.test/{{ customer.id }}/orders',
      headers: { 'X-Trace': '{{ traceId }}' },
      query: { since: '{{ since | default: today }}' },
      body: '{% for l in lines %}{{ l.sku }}{% endfor %}',
    });
    expect(httpAdapter.fetchVariables?.(config)?.sort()).toEqual(['customer', 'lines', 'since', 'today', 'traceId']);
    expect(httpAdapter.fetchVariables?.(httpConfig.parse({ url: 'https://api.test/', bodyVariable: 'order' }))).toEqual(
      ['order'],
    );
  });

  it('refuses a config that cannot work, naming the field', () => {
    const both = httpConfig.safeParse({ url: 'https://a.test/', body: '{}', bodyVariable: 'x' });
    expect(both.error?.issues).toEqual([
      expect.objectContaining({
        path: ['bodyVariable'],
        message: 'set either body (a template) or bodyVariable, not both',
      }),
    ]);
    const broken = httpConfig.safeParse({ url: 'https://a.test/{{ id' });
    expect(broken.error?.issues[0]).toMatchObject({ path: ['url'] });
    expect(broken.error?.issues[0]?.message).toMatch(/^the template does not parse: /);
  });

  it('fails with what to fix when the url does not render to an http(s) URL', async () => {
    await expect(run({ url: '{{ base }}/x' }, { base: 'ftp://files.test' })).rejects.toThrow(
      "http: url rendered to 'ftp://files.test/x'; only http and https URLs are supported",
    );
    await expect(run({ url: '{{ base }}/x' }, {})).rejects.toThrow(
      "http: url rendered to '/x', which is not an absolute URL; fix the url template",
    );
  });
});

describe('http adapter: how failures end the job', () => {
  it('a 404 is the BPMN error HTTP_404, with an excerpt of the body', async () => {
    const err = await rejectionOf(run({ url: `${api.base}/items/{{ id }}` }, { id: 99 }));
    expect(err).toBeInstanceOf(BpmnError);
    expect(err).toMatchObject({ code: 'HTTP_404' });
    expect(err.message).toBe(`GET ${api.base}/items/99 answered 404 Not Found: {"error":"no item 99"}`);
  });

  it('a 400 with a JSON body is HTTP_400 and the message shows what the server said', async () => {
    const err = await rejectionOf(run({ url: `${api.base}/orders`, method: 'POST', body: '{"quantity": -1}' }));
    expect(err).toMatchObject({ name: 'BpmnError', code: 'HTTP_400' });
    expect(err.message).toContain('answered 400 Bad Request: {"error":"quantity must be positive","field":"quantity"}');
  });

  it('a 503 is transient (the runtime retries) and the next attempt completes with the 200', async () => {
    const flaky = await serve((_req, res, s) =>
      s.seen.length === 1 ? res.writeHead(503).end('busy') : json(res, 200, { ok: true }),
    );
    const config = { url: `${flaky.base}/` };
    const err = await rejectionOf(run(config));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toBe(`http: GET ${flaky.base}/ answered 503 Service Unavailable: busy`);
    expect(await run(config)).toMatchObject({ response: { status: 200, body: { ok: true } } });
  });

  it('status handling is configurable: a 404 can complete the job, a 409 can be retried', async () => {
    expect(await run({ url: `${api.base}/items/1`, successCodes: ['2xx', 404] })).toMatchObject({
      response: { status: 404, body: { error: 'no item 1' } },
    });
    await expect(run({ url: `${api.base}/orders`, retryCodes: [400] })).rejects.toBeInstanceOf(TransientError);
  });

  it('a refused connection is transient and says so', async () => {
    const gone = await serve(() => undefined);
    await gone.close();
    const err = await rejectionOf(run({ url: `${gone.base}/` }));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toBe(`http: GET ${gone.base}/: connect ECONNREFUSED 127.0.0.1:${gone.port}`);
  });

  it('a server that never answers is a transient timeout after timeoutSeconds', async () => {
    const silent = await serve((_req, res, s) => s.held.push(res));
    const err = await rejectionOf(run({ url: `${silent.base}/`, timeoutSeconds: 1 }));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toBe(`http: GET ${silent.base}/: no complete response within 1 s (timeoutSeconds)`);
    expect(silent.seen).toHaveLength(1);
  });

  it('a slow answer is awaited, and the job signal aborts a request in flight', async () => {
    const slow = await serve((_req, res, s) => s.held.push(res));
    const answered = run({ url: `${slow.base}/` });
    (await waitFor('the slow server to hold the request', () => slow.held[0])).end('late');
    expect(await answered).toMatchObject({ response: { body: 'late' } });

    const abort = new AbortController();
    const aborted = run({ url: `${slow.base}/` }, {}, testJobContext({ signal: abort.signal }));
    await waitFor('the slow server to hold the second request', () => slow.held[1]);
    abort.abort();
    const err = await rejectionOf(aborted);
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toBe(`http: GET ${slow.base}/: aborted (the job timed out or the worker is stopping)`);
  });

  it('a response larger than maxResponseBytes fails the job, naming the limit', async () => {
    const big = await serve((req, res) => {
      // One answer announces its length, the other streams without one: both are bounded.
      if (req.url === '/declared') res.writeHead(200, { 'content-length': 5000 }).end('x'.repeat(5000));
      else {
        res.write('y'.repeat(3000));
        res.end('y'.repeat(3000));
      }
    });
    for (const path of ['/declared', '/streamed']) {
      const err = await rejectionOf(run({ url: `${big.base}${path}`, maxResponseBytes: 4096 }));
      expect(err).not.toBeInstanceOf(TransientError);
      expect(err.message).toBe(
        `http: GET ${big.base}${path}: the response body is larger than maxResponseBytes (4096 bytes); raise ` +
          'maxResponseBytes or request less (process variables are not meant for bulk data)',
      );
    }
  });
});

describe('http adapter: egress allowlist', () => {
  it('refuses a host the SandboxPolicy does not allow, before any request is sent', async () => {
    const before = api.seen.length;
    for (const host of ['127.0.0.1', 'localhost']) {
      const ctx = testJobContext({ policy: testPolicy({ egressAllowlist: ['api.example.test', '10.0.0.0/8'] }) });
      const err = await rejectionOf(run({ url: `http://${host}:${api.port}/items/7` }, {}, ctx));
      expect(err).toBeInstanceOf(EgressDenied);
      expect(err.message).toContain(`egress to ${host} port ${api.port} (address 127.0.0.1) is not allowed`);
      expect(err.message).toContain('spec.egressAllowlist');
    }
    expect(api.seen.length).toBe(before);
  });

  it('connects when the allowlist names the host and port', async () => {
    const ctx = testJobContext({ policy: testPolicy({ egressAllowlist: [`localhost:${api.port}`] }) });
    expect(await run({ url: `http://localhost:${api.port}/items/7` }, {}, ctx)).toMatchObject({
      response: { status: 200 },
    });
  });

  it('checks every redirect target too', async () => {
    const ctx = testJobContext({ policy: testPolicy({ egressAllowlist: [`localhost:${api.port}`] }) });
    const hop = await serve((_req, res) =>
      res.writeHead(302, { location: `http://127.0.0.1:${api.port}/items/7` }).end(),
    );
    const allowHop = testJobContext({
      policy: testPolicy({ egressAllowlist: [`localhost:${hop.port}`, `localhost:${api.port}`] }),
    });
    await expect(run({ url: `http://localhost:${hop.port}/` }, {}, ctx)).rejects.toBeInstanceOf(EgressDenied);
    const err = await rejectionOf(run({ url: `http://localhost:${hop.port}/` }, {}, allowHop));
    expect(err).toBeInstanceOf(EgressDenied);
    expect(err.message).toContain(`egress to 127.0.0.1 port ${api.port}`);
  });
});

describe('http adapter: https', () => {
  const certs = testCertificates();

  it('verifies the server against tls.ca and the URL host name, and says what to set when it cannot', async () => {
    const server = createHttpsServer({ key: certs.key, cert: certs.cert }, (_req, res) =>
      json(res, 200, { tls: true }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
    const url = `https://localhost:${(server.address() as AddressInfo).port}/`;
    expect(await run({ url, tls: { ca: certs.ca } })).toMatchObject({
      response: { status: 200, body: { tls: true } },
    });
    const untrusted = await rejectionOf(run({ url }));
    expect(untrusted).not.toBeInstanceOf(TransientError);
    expect(untrusted.message).toMatch(
      /^http: GET https:\/\/localhost:\d+\/: the server's TLS certificate was not accepted \(.+\); set tls\.ca/,
    );
  });
});
