// http: one HTTP(S) request per job, its URL, headers, query and body rendered from the job's
// variables (and the task headers, which variables override) with Liquid, like the format
// adapter. The SandboxPolicy's egressAllowlist is checked on the resolved address before a
// socket opens. How the status ends the job is configurable: success codes complete it with
// { status, headers, body }, retry codes are transient (the runtime retries), any other status
// is a BPMN error HTTP_<status> the process can catch.
import { liquid, templateField } from '../liquid.js';
import { z } from 'zod';
import { BpmnError, TransientError, type JobContext, type ServiceAdapter } from '../service-adapter.js';
import { exchange, HttpFailure, shown, type HttpResponse } from './http-exchange.js';

const template = (what: string) => templateField(what, 64 * 1024);

const statusClass = z.enum(['1xx', '2xx', '3xx', '4xx', '5xx']);
const statusCodes = (what: string) =>
  z
    .array(z.union([z.int().min(100).max(599), statusClass]))
    .min(1)
    .max(64)
    .describe(`${what}: status codes (e.g. 201) or classes ('2xx').`);

const MiB = 1024 * 1024;

export const httpConfig = z
  .object({
    url: template('Absolute http(s) URL').min(1),
    method: z
      .enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
      .default('GET')
      .describe('HTTP method.'),
    headers: z
      .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name'), template('Value'))
      .default({})
      .describe('Request headers; each value is a Liquid template (e.g. "Bearer {{secrets.API_TOKEN}}").'),
    query: z
      .record(z.string().min(1), template('Value'))
      .optional()
      .describe('Query parameters added to the URL, each value a Liquid template (URL-encoded for you).'),
    body: template('Request body')
      .optional()
      .describe(
        'Request body, a Liquid template (use the json filter for values inside JSON). Content-Type defaults to ' +
          'application/json when the rendered body is JSON, text/plain otherwise.',
      ),
    bodyVariable: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe('Send this variable as the JSON body instead of a template (Content-Type: application/json).'),
    basicAuth: z
      .object({
        username: z.string().describe('User name, usually {{secrets.NAME}}.'),
        password: z.string().describe('Password, usually {{secrets.NAME}}.'),
      })
      .strict()
      .optional()
      .describe('HTTP Basic authentication (ignored when headers set Authorization).'),
    timeoutSeconds: z
      .number()
      .positive()
      .max(3600)
      .default(30)
      .describe('Time for the whole exchange (connect, redirects, full response); then the attempt is retried.'),
    maxRedirects: z
      .int()
      .min(0)
      .max(20)
      .default(5)
      .describe('Redirects (301, 302, 303, 307, 308) followed; 0 returns the 3xx as is.'),
    successCodes: statusCodes('Statuses that complete the job').default(['2xx']),
    retryCodes: statusCodes('Statuses that are retried (transient), then fail the job').default(['5xx', 408, 429]),
    responseAs: z
      .enum(['auto', 'json', 'text', 'base64'])
      .default('auto')
      .describe(
        'How the response body is stored: auto = parsed JSON when Content-Type says JSON, else text; json = ' +
          'always parsed (failing when it is not JSON); text = UTF-8 string; base64 = for binary content.',
      ),
    maxResponseBytes: z
      .int()
      .min(1)
      .max(100 * MiB)
      .default(10 * MiB)
      .describe(
        'Largest response body accepted; a larger one fails the job (process variables are not for bulk data).',
      ),
    resultVariable: z
      .string()
      .min(1)
      .max(255)
      .default('response')
      .describe('Variable set to { status, headers, body }.'),
    tls: z
      .object({
        ca: z.string().optional().describe('PEM of the CA(s) to trust instead of the system roots (may be a secret).'),
        cert: z.string().optional().describe('PEM client certificate for mutual TLS.'),
        key: z.string().optional().describe('PEM private key of the client certificate, usually {{secrets.NAME}}.'),
        rejectUnauthorized: z
          .boolean()
          .default(true)
          .describe('Verify the server certificate; turn off only for a test server.'),
      })
      .strict()
      .optional()
      .describe('TLS settings for https URLs.'),
  })
  .strict()
  .refine((c) => c.body === undefined || c.bodyVariable === undefined, {
    error: 'set either body (a template) or bodyVariable, not both',
    path: ['bodyVariable'],
  });

export type HttpConfig = z.infer<typeof httpConfig>;

export const httpAdapter: ServiceAdapter<HttpConfig> = {
  name: 'http',
  summary: 'an HTTP(S) request from templates over the variables; the response (status, headers, body) as a variable',
  configSchema: httpConfig,
  fetchVariables(config) {
    const templates = [config.url, ...Object.values(config.headers), ...Object.values(config.query ?? {})];
    if (config.body !== undefined) templates.push(config.body);
    const names = new Set(templates.flatMap((t) => liquid.globalVariablesSync(t)));
    if (config.bodyVariable) names.add(config.bodyVariable);
    return [...names];
  },
  async execute(variables, config, context) {
    const scope = { ...context.headers, ...variables };
    const request = await buildRequest(config, variables, scope);
    const response = await exchange(request, config, context).catch((err: unknown) => {
      throw err instanceof HttpFailure ? asJobError(err, context) : err;
    });
    return { [config.resultVariable]: outcome(response, request.method, config) };
  },
};

async function render(field: string, t: string, scope: Record<string, unknown>): Promise<string> {
  try {
    return String(await liquid.parseAndRender(t, scope));
  } catch (err) {
    throw new Error(`http: ${field}: the template failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function buildRequest(config: HttpConfig, variables: Record<string, unknown>, scope: Record<string, unknown>) {
  const rendered = (await render('url', config.url, scope)).trim();
  let url: URL;
  try {
    url = new URL(rendered);
  } catch {
    throw new Error(`http: url rendered to '${rendered}', which is not an absolute URL; fix the url template`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`http: url rendered to '${rendered}'; only http and https URLs are supported`);
  for (const [name, t] of Object.entries(config.query ?? {}))
    url.searchParams.append(name, await render(`query.${name}`, t, scope));

  const headers: Record<string, string> = {};
  for (const [name, t] of Object.entries(config.headers))
    headers[name.toLowerCase()] = await render(`headers.${name}`, t, scope);
  if (config.basicAuth && !headers.authorization)
    headers.authorization = `Basic ${Buffer.from(`${config.basicAuth.username}:${config.basicAuth.password}`).toString('base64')}`;

  let body: Buffer | undefined;
  if (config.bodyVariable !== undefined) {
    if (!(config.bodyVariable in variables))
      throw new Error(`http: bodyVariable '${config.bodyVariable}' is not a variable of this job`);
    body = Buffer.from(JSON.stringify(variables[config.bodyVariable]));
    headers['content-type'] ??= 'application/json';
  } else if (config.body !== undefined) {
    const text = await render('body', config.body, scope);
    body = Buffer.from(text);
    headers['content-type'] ??= isJson(text) ? 'application/json' : 'text/plain; charset=utf-8';
  }
  return { method: config.method, url, headers, body };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function matchesCode(codes: HttpConfig['successCodes'], status: number): boolean {
  return codes.some((c) => (typeof c === 'number' ? c === status : c[0] === String(status)[0]));
}

function outcome(r: HttpResponse, method: string, config: HttpConfig): Record<string, unknown> {
  const where = `${method} ${shown(r.url)}`;
  if (matchesCode(config.successCodes, r.status))
    return { status: r.status, headers: r.headers, body: decodeBody(r, config.responseAs, where) };
  const said = `${where} answered ${r.status}${r.statusText ? ` ${r.statusText}` : ''}${excerpt(r.body)}`;
  if (matchesCode(config.retryCodes, r.status)) throw new TransientError(`http: ${said}`);
  throw new BpmnError(`HTTP_${r.status}`, said);
}

function decodeBody(r: HttpResponse, as: HttpConfig['responseAs'], where: string): unknown {
  if (as === 'base64') return r.body.toString('base64');
  const text = r.body.toString('utf8');
  const contentType = r.headers['content-type'] ?? '';
  const json = as === 'json' || (as === 'auto' && /^\s*(application|text)\/([\w.-]+\+)?json\b/i.test(contentType));
  if (!json) return text;
  if (!text.trim()) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (as === 'auto') return text; // the server mislabelled it; the text is still useful
    throw new Error(
      `http: ${where}: the response body is not JSON (responseAs: json): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** A short, single-line excerpt of a body for an error message. */
function excerpt(body: Buffer): string {
  const text = body.subarray(0, 600).toString('utf8').replace(/\s+/g, ' ').trim();
  if (!text) return '';
  return `: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`;
}

function asJobError(err: HttpFailure, context: JobContext): Error {
  const message = `http: ${err.message}`;
  if (err.kind === 'transient') return new TransientError(message);
  if (err.kind === 'aborted')
    return new TransientError(
      `${message} (${context.signal.aborted ? 'the job timed out or the worker is stopping' : 'aborted'})`,
    );
  return new Error(message);
}
