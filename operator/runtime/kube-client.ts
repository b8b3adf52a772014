// A thin Kubernetes REST client: kube-config.ts finds the server and the credentials
// (certs, tokens, exec plugins through client-node); requests are plain node:https so
// server-side apply, subresources and targeted patches are one call each, watches are one
// streamed response, and every request is counted.
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { Counter } from 'prom-client';
import { loadKubeConnection, type KubeConnection } from './kube-config.js';

export const FIELD_MANAGER = 'procos-operator';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

export class KubeError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

function statusError(method: string, url: URL, status: number, text: string): KubeError {
  let reason = 'Unknown';
  let message = text;
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string };
    reason = s.reason ?? reason;
    message = s.message ?? text;
  } catch {
    /* not a Status object */
  }
  return new KubeError(status, reason, `${method} ${url.pathname}: ${status} ${message}`);
}

export interface RequestOptions {
  body?: unknown;
  /** The Accept header, e.g. for metadata-only lists (default application/json). */
  accept?: string;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
}

export type WatchEventHandler = (type: string, object: Record<string, unknown>) => void;

export class KubeClient {
  /** One keep-alive agent: a TLS handshake per request costs more CPU than the request. */
  private readonly agent: https.Agent;
  /** Watches hold their connection for minutes; they do not take sockets from requests. */
  private readonly watchAgent: https.Agent;

  constructor(
    readonly connection: KubeConnection,
    private readonly requests?: Counter<'verb'>,
  ) {
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 16, ...connection.tls });
    this.watchAgent = new https.Agent({ keepAlive: false, ...connection.tls });
  }

  static async fromKubeconfig(path?: string, requests?: Counter<'verb'>): Promise<KubeClient> {
    return new KubeClient(await loadKubeConnection(path), requests);
  }

  get server(): string {
    return this.connection.server;
  }

  private async open(method: string, path: string, o: RequestOptions, agent: https.Agent) {
    const url = new URL(path, this.server);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body = o.body === undefined ? undefined : JSON.stringify(o.body);
    const headers: Record<string, string | number> = {
      accept: o.accept ?? 'application/json',
      ...(await this.connection.headers()),
    };
    if (body !== undefined)
      Object.assign(headers, {
        'content-type': o.contentType ?? 'application/json',
        'content-length': Buffer.byteLength(body),
      });
    this.requests?.inc({ verb: method });
    return { url, body, options: { method, headers, agent } satisfies https.RequestOptions };
  }

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const text = await this.requestText(method, path, o);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** A request whose answer is text, not JSON (a pod's log). */
  async requestText(method: string, path: string, o: RequestOptions = {}): Promise<string> {
    const { url, body, options } = await this.open(method, path, o, this.agent);
    return new Promise<string>((resolve, reject) => {
      const req = https.request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(text);
          reject(statusError(method, url, status, text));
        });
      });
      req.on('error', reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /**
   * A watch: one streamed response of JSON lines ({type, object}). `onDone` runs exactly once —
   * with no error when the server ends the watch (timeoutSeconds), with one otherwise. Abort
   * through the returned controller (then `onDone` is not called).
   */
  async watch(
    path: string,
    query: RequestOptions['query'],
    onEvent: WatchEventHandler,
    onDone: (err?: Error) => void,
    accept?: string,
  ): Promise<AbortController> {
    const { url, options } = await this.open(
      'GET',
      path,
      { query: { ...query, watch: true }, accept },
      this.watchAgent,
    );
    const abort = new AbortController();
    let done = false;
    const finish = (err?: Error): void => {
      if (done || abort.signal.aborted) return;
      done = true;
      onDone(err);
    };
    const req = https.request(url, { ...options, signal: abort.signal }, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish(statusError('GET', url, status, Buffer.concat(chunks).toString('utf8'))));
        return;
      }
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      lines.on('line', (line) => {
        if (!line.trim() || done || abort.signal.aborted) return;
        try {
          const e = JSON.parse(line) as { type: string; object: Record<string, unknown> };
          onEvent(e.type, e.object);
        } catch (err) {
          req.destroy(err instanceof Error ? err : new Error(String(err)));
        }
      });
      // A reset connection errors the response and, through it, the line reader.
      res.on('error', (err) => finish(err));
      lines.on('error', (err: Error) => finish(err));
      lines.on('close', () => finish(res.complete ? undefined : new Error(`watch ${url.pathname}: connection closed`)));
    });
    req.on('error', (err) => finish(err));
    req.end();
    return abort;
  }

  /** Server-side apply of the fields we own (on an object or a subresource such as status). */
  apply<T>(path: string, object: unknown, subresource?: 'status'): Promise<T> {
    return this.request<T>('PATCH', subresource ? `${path}/${subresource}` : path, {
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: FIELD_MANAGER, force: true },
    });
  }

  /** A targeted JSON patch (e.g. one finalizer), never a full update of the user's object. */
  jsonPatch<T>(path: string, ops: unknown[]): Promise<T> {
    return this.request<T>('PATCH', path, {
      body: ops,
      contentType: 'application/json-patch+json',
      query: { fieldManager: FIELD_MANAGER },
    });
  }
}

/** REST path of a namespaced resource, e.g. /apis/procos.io/v1alpha1/namespaces/ns/procosprocesses/name */
export function resourcePath(apiVersion: string, plural: string, namespace?: string, name?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}${namespace ? `/namespaces/${namespace}` : ''}/${plural}${name ? `/${name}` : ''}`;
}
