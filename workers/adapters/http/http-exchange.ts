// One HTTP exchange on node:http/https, bounded the way a worker must be: the egress allowlist is
// checked on the address actually connected to (allowedLookup; node skips a lookup for an IP
// literal, so those are checked first), one deadline covers connecting, redirects and the whole
// body, the body is capped while it streams, and the job's abort signal stops it.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { allowedLookup, EgressDenied, resolveAllowed } from '../../egress.js';
import type { JobContext } from '../service-adapter.js';

export interface HttpRequest {
  method: string;
  url: URL;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: Buffer | undefined;
}

export interface HttpResponse {
  /** The URL that answered (after redirects). */
  url: URL;
  status: number;
  statusText: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

export interface ExchangeOptions {
  timeoutSeconds: number;
  maxRedirects: number;
  maxResponseBytes: number;
  /** A 3xx the caller takes as success is returned, not followed. */
  successCodes?: readonly (number | string)[];
  tls?: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined; rejectUnauthorized: boolean };
}

/** Why an exchange ended without a response; the adapter maps the kind to how the job ends. */
export class HttpFailure extends Error {
  constructor(
    readonly kind: 'transient' | 'permanent' | 'aborted',
    message: string,
  ) {
    super(message);
    this.name = 'HttpFailure';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Sends the request, following redirects; rejects with HttpFailure or EgressDenied. */
export async function exchange(
  first: HttpRequest,
  o: ExchangeOptions,
  context: Pick<JobContext, 'signal' | 'policy'>,
): Promise<HttpResponse> {
  const deadline = AbortSignal.timeout(o.timeoutSeconds * 1000);
  const signals = { deadline, any: AbortSignal.any([context.signal, deadline]), job: context.signal };
  let req = first;
  for (let hop = 0; ; hop++) {
    const res = await once(req, o, context.policy, signals);
    const location = res.headers.location;
    const taken = o.successCodes?.some((c) => c === res.status || c === `${String(res.status)[0]}xx`);
    if (!REDIRECTS.has(res.status) || !location || taken || hop >= o.maxRedirects) return res;
    req = redirected(req, res.status, location);
  }
}

interface Signals {
  deadline: AbortSignal;
  job: AbortSignal;
  any: AbortSignal;
}

async function once(
  req: HttpRequest,
  o: ExchangeOptions,
  policy: JobContext['policy'],
  signals: Signals,
): Promise<HttpResponse> {
  const https = req.url.protocol === 'https:';
  const port = Number(req.url.port) || (https ? 443 : 80);
  const where = `${req.method} ${shown(req.url)}`;
  const host = req.url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) await resolveAllowed(policy, host, port);
  const send = https ? httpsRequest : httpRequest;
  return new Promise<HttpResponse>((resolve, reject) => {
    const fail = (err: unknown): void => reject(classify(err, where, o, signals));
    const r = send(
      req.url,
      {
        method: req.method,
        headers: { ...req.headers, ...(req.body && { 'content-length': String(req.body.length) }) },
        // A fresh connection per job: each goes through its own egress check.
        agent: false,
        lookup: allowedLookup(policy, port),
        signal: signals.any,
        ...(https && o.tls),
      },
      (res) =>
        readBody(res, o.maxResponseBytes, where, signals).then((body) => {
          resolve({
            url: req.url,
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: flatHeaders(res.headers),
            body,
          });
        }, fail),
    );
    r.on('error', fail);
    r.end(req.body);
  });
}

function readBody(res: IncomingMessage, max: number, where: string, signals: Signals): Promise<Buffer> {
  const tooLarge = () =>
    new HttpFailure(
      'permanent',
      `${where}: the response body is larger than maxResponseBytes (${max} bytes); raise maxResponseBytes ` +
        'or request less (process variables are not meant for bulk data)',
    );
  return new Promise((resolve, reject) => {
    if (Number(res.headers['content-length']) > max) {
      res.destroy();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        res.destroy();
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', (err) =>
      reject(
        signals.any.aborted
          ? err
          : new HttpFailure('transient', `${where}: the connection broke while reading the response (${err.message})`),
      ),
    );
  });
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

function classify(err: unknown, where: string, o: ExchangeOptions, signals: Signals): Error {
  if (err instanceof HttpFailure || err instanceof EgressDenied) return err;
  if (signals.deadline.aborted)
    return new HttpFailure('transient', `${where}: no complete response within ${o.timeoutSeconds} s (timeoutSeconds)`);
  if (signals.job.aborted) return new HttpFailure('aborted', `${where}: aborted`);
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? '';
  const detail = e.message || code;
  if (code === 'ENOTFOUND')
    return new HttpFailure('transient', `${where}: the host name does not resolve (${detail}); check the url`);
  if (TRANSIENT_CODES.has(code)) return new HttpFailure('transient', `${where}: ${detail}`);
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME/.test(code))
    return new HttpFailure(
      'permanent',
      `${where}: the server's TLS certificate was not accepted (${detail}); set tls.ca to the CA that signed it, ` +
        'or use the host name the certificate is for',
    );
  if (code.startsWith('ERR_SSL') || code.startsWith('HPE_'))
    return new HttpFailure(
      'permanent',
      `${where}: the server does not speak ${where.includes('https:') ? 'HTTPS' : 'HTTP'} here (${detail}); check the url's scheme and port`,
    );
  return new HttpFailure('transient', `${where}: ${detail}`);
}

function redirected(req: HttpRequest, status: number, location: string): HttpRequest {
  let url: URL;
  try {
    url = new URL(location, req.url);
  } catch {
    throw new HttpFailure('permanent', `${req.method} ${shown(req.url)} redirected to an invalid URL '${location}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new HttpFailure('permanent', `${req.method} ${shown(req.url)} redirected to '${location}', not http(s)`);
  const headers = { ...req.headers };
  // Credentials are for the origin they were configured for (as fetch does).
  if (url.origin !== req.url.origin) {
    delete headers.authorization;
    delete headers.cookie;
  }
  delete headers.host;
  // 303 (and 301/302 after a POST, as browsers do) turn into a GET without a body.
  if ((status === 303 && req.method !== 'HEAD') || ((status === 301 || status === 302) && req.method === 'POST')) {
    delete headers['content-type'];
    return { method: 'GET', url, headers };
  }
  return { ...req, url, headers };
}

function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(h))
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

/** The URL without credentials, for messages. */
export function shown(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}
