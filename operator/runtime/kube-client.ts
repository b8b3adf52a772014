// A thin Kubernetes REST client: @kubernetes/client-node loads the kubeconfig and applies its
// credentials (certs, tokens, exec plugins); requests are plain node:https so server-side
// apply, subresources and targeted patches are one call each, and every request is counted.
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import type { Counter } from 'prom-client';

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

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
}

export class KubeClient {
  /** One keep-alive agent: a TLS handshake per request costs more CPU than the request. */
  private agent?: https.Agent;

  constructor(
    readonly kc: KubeConfig,
    private readonly requests?: Counter<'verb'>,
  ) {}

  static fromKubeconfig(path?: string, requests?: Counter<'verb'>): KubeClient {
    const kc = new KubeConfig();
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
    return new KubeClient(kc, requests);
  }

  get server(): string {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    return cluster.server;
  }

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const url = new URL(path, this.server);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body = o.body === undefined ? undefined : JSON.stringify(o.body);
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (body !== undefined)
      Object.assign(headers, {
        'content-type': o.contentType ?? 'application/json',
        'content-length': Buffer.byteLength(body),
      });
    const opts: https.RequestOptions = { method, headers };
    await this.kc.applyToHTTPSOptions(opts);
    this.agent ??= new https.Agent({
      keepAlive: true,
      maxSockets: 16,
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      rejectUnauthorized: opts.rejectUnauthorized,
    });
    opts.agent = this.agent;
    this.requests?.inc({ verb: method });
    return new Promise<T>((resolve, reject) => {
      const req = https.request(url, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve((text ? JSON.parse(text) : {}) as T);
          let reason = 'Unknown';
          let message = text;
          try {
            const s = JSON.parse(text) as { reason?: string; message?: string };
            reason = s.reason ?? reason;
            message = s.message ?? text;
          } catch {
            /* not a Status object */
          }
          reject(new KubeError(status, reason, `${method} ${url.pathname}: ${status} ${message}`));
        });
      });
      req.on('error', reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
      if (body !== undefined) req.write(body);
      req.end();
    });
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
