// How an AI call fails, decided once: a refused key or an unknown model needs a person (an
// incident whose message says what to fix); a rate limit, a server error, a refused connection
// or a timeout is worth retrying (TransientError).
import { EgressDenied } from '../../egress.js';
import { TransientError } from '../service-adapter.js';
import type { HttpJsonResponse } from './http-json.js';

/** Network failures that a later attempt may not meet. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

export interface CallSite {
  provider: string;
  model: string;
  /** Where the request went, without credentials. */
  endpoint: string;
}

/** Throws the classified error for a non-2xx answer. */
export function failHttp(site: CallSite, res: HttpJsonResponse): never {
  const said = serverMessage(res);
  const at = `ai (${site.provider}): ${site.endpoint} answered ${res.status}${said ? ` (${said})` : ''}`;
  if (res.status === 401 || res.status === 403)
    throw new Error(`${at}: the API key was refused; check the API key secret the handler's apiKey names`);
  if (res.status === 404 || res.status === 400)
    throw new Error(
      `${at} for model '${site.model}': check that the server offers this model and the request settings`,
    );
  if (res.status === 408 || res.status === 429 || res.status >= 500) {
    const retryAfter = res.headers['retry-after'];
    throw new TransientError(`${at}${retryAfter ? `; retry after ${retryAfter} s` : ''}`);
  }
  throw new Error(at);
}

/** Maps what a provider threw (network, abort, egress) to the error the runtime acts on. */
export function classify(err: unknown, site: CallSite, timedOut: boolean, timeoutSeconds: number): Error {
  if (timedOut)
    return new TransientError(
      `ai (${site.provider}): no answer from ${site.endpoint} within ${timeoutSeconds} s (timeoutSeconds)`,
    );
  if (err instanceof TransientError) return err;
  if (err instanceof EgressDenied) return new Error(`ai (${site.provider}): ${err.message}`);
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && TRANSIENT_CODES.has(code))
    return new TransientError(`ai (${site.provider}): cannot reach ${site.endpoint}: ${message}`);
  if (err instanceof Error && err.name === 'AbortError')
    return new TransientError(`ai (${site.provider}): the call to ${site.endpoint} was stopped: ${message}`);
  return err instanceof Error ? err : new Error(message);
}

/** OpenAI puts it in error.message, Ollama in error. */
function serverMessage(res: HttpJsonResponse): string {
  const j = res.json as { error?: unknown } | undefined;
  const e = j?.error;
  const text =
    typeof e === 'string'
      ? e
      : typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
        ? (e as { message: string }).message
        : res.text;
  return text.trim().slice(0, 300);
}
