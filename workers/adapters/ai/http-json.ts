// JSON over node:http/https for the HTTP providers. node:http rather than fetch because fetch
// cannot take the address the SandboxPolicy check approved: here the egress check runs first
// (resolveAllowed also covers IP literals, which skip a `lookup`), and the socket's `lookup` is
// the checked one, so DNS cannot hand the connection a different address afterwards.
import http from 'node:http';
import https from 'node:https';
import type { SandboxPolicySpec } from '../../../operator/api/index.js';
import { allowedLookup, resolveAllowed } from '../../egress.js';

/** Answers larger than this are cut off: a chat answer never needs more. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface HttpJsonRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers?: Record<string, string>;
  body?: unknown;
  policy: SandboxPolicySpec;
  signal: AbortSignal;
}

export interface HttpJsonResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  text: string;
}

export async function httpJson(r: HttpJsonRequest): Promise<HttpJsonResponse> {
  const secure = r.url.protocol === 'https:';
  const port = Number(r.url.port) || (secure ? 443 : 80);
  await resolveAllowed(r.policy, r.url.hostname, port);
  const body = r.body === undefined ? undefined : Buffer.from(JSON.stringify(r.body));
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      r.url,
      {
        method: r.method,
        headers: {
          accept: 'application/json',
          ...(body && { 'content-type': 'application/json', 'content-length': String(body.length) }),
          ...r.headers,
        },
        lookup: allowedLookup(r.policy, port),
        signal: r.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) req.destroy(new Error(`the answer is larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** baseUrl may or may not end in a slash; the path is appended to it, not to its origin. */
export function apiUrl(baseUrl: string, path: string): URL {
  return new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
}
