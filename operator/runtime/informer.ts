// List + watch with resourceVersion, bookmarks, relist on 410 Gone, reconnect with backoff,
// and a staleness watchdog (client-node informers have been seen to go quiet: #596, #958):
// no event and no bookmark for too long → relist. Reconcilers read this cache, never the API.
import type { Logger } from 'pino';
import type { KubeClient, KubeObject } from './kube-client.js';

export type Handler<T> = (obj: T, event: 'add' | 'update' | 'delete') => void;

export interface InformerOptions<T extends KubeObject = KubeObject> {
  /** Collection path, e.g. /apis/procos.io/v1alpha1/procosprocesses (all namespaces). */
  path: string;
  /**
   * Only these namespaces (a namespace-scoped operator, whose RBAC is Roles in them): one list +
   * watch per namespace into one cache. Empty or unset: the path as given, cluster-wide.
   */
  namespaces?: string[];
  /** Relist when neither an event nor a bookmark arrived for this long. */
  staleAfterMs?: number;
  labelSelector?: string;
  /**
   * Only metadata (PartialObjectMetadata, like controller-runtime's OnlyMetadata): for kinds whose
   * contents the operator must not hold in memory, such as Secrets it only checks exist.
   */
  metadataOnly?: boolean;
  /**
   * Keeps only what the reconcilers read of each object (client-go's TransformFunc): a cache of
   * every worker pod and Deployment costs memory for fields nobody looks at.
   */
  transform?: (obj: T) => T;
}

const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
const METADATA_WATCH = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

/** Caches stay lean (Argo Workflows #8983): nothing reads managedFields or kubectl's copy of the spec. */
function slim<T extends KubeObject>(obj: T): T {
  const metadata = { ...obj.metadata } as T['metadata'] & { managedFields?: unknown };
  delete metadata.managedFields;
  if (metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']) {
    const { 'kubectl.kubernetes.io/last-applied-configuration': _dropped, ...rest } = metadata.annotations;
    metadata.annotations = rest;
  }
  return { ...obj, metadata };
}

export function objectKey(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
}

/** Values an object is found under in one index, e.g. the ConfigMaps a process reads. */
export type IndexFunction<T> = (obj: T) => string[];

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: Handler<T>[] = [];
  /** index name → its function, and index name → value → keys of the objects under it. */
  private readonly indexers = new Map<string, IndexFunction<T>>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly streams: ListWatchStream<T>[];

  constructor(
    client: KubeClient,
    private readonly o: InformerOptions<T>,
    log: Logger,
  ) {
    const namespaces = o.namespaces?.length ? o.namespaces : undefined;
    this.streams = namespaces
      ? namespaces.map(
          (ns) =>
            new ListWatchStream(client, namespacedPath(o.path, ns), ns, o, this.sink, log.child({ namespace: ns })),
        )
      : [new ListWatchStream(client, o.path, undefined, o, this.sink, log)];
  }

  private keep(raw: T): T {
    const obj = slim(raw);
    return this.o.transform ? this.o.transform(obj) : obj;
  }

  /** The resource this informer caches (its path's last segment), for metrics and logs. */
  get resource(): string {
    return this.o.path.split('/').at(-1) ?? this.o.path;
  }

  on(handler: Handler<T>): void {
    this.handlers.push(handler);
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  /**
   * Keeps an index of the cache (client-go's Indexer): `byIndex(name, value)` then answers which
   * objects map to VALUE without scanning every object — e.g. the processes that read one ConfigMap.
   */
  addIndex(name: string, fn: IndexFunction<T>): void {
    if (this.indexers.has(name)) throw new Error(`index ${name} exists already`);
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indexes.set(name, index);
    for (const [key, obj] of this.cache) for (const v of fn(obj)) addTo(index, v, key);
  }

  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`no index ${name}`);
    return [...(index.get(value) ?? [])].map((k) => this.cache.get(k)).filter((o): o is T => o !== undefined);
  }

  private put(key: string, obj: T): void {
    this.unindex(key);
    this.cache.set(key, obj);
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name);
      if (index) for (const v of fn(obj)) addTo(index, v, key);
    }
  }

  private remove(key: string): void {
    this.unindex(key);
    this.cache.delete(key);
  }

  private unindex(key: string): void {
    const old = this.cache.get(key);
    if (!old) return;
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name);
      for (const v of fn(old)) {
        const keys = index?.get(v);
        keys?.delete(key);
        if (keys?.size === 0) index?.delete(v);
      }
    }
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  get hasSynced(): boolean {
    return this.streams.length > 0 && this.streams.every((s) => s.synced);
  }

  /** The oldest of the streams' last event or bookmark (epoch ms), for the staleness gauge. */
  get lastEventAt(): number {
    return Math.min(...this.streams.map((s) => s.lastEventAt));
  }

  get relists(): number {
    return this.streams.reduce((n, s) => n + s.relists, 0);
  }

  async start(): Promise<void> {
    await Promise.all(this.streams.map((s) => s.start()));
  }

  stop(): void {
    for (const s of this.streams) s.stop();
  }

  /** What a stream tells its informer: an object was seen, changed or deleted. */
  private readonly sink: StreamSink<T> = {
    keep: (raw) => this.keep(raw),
    has: (key) => this.cache.has(key),
    get: (key) => this.cache.get(key),
    keysIn: (namespace) =>
      [...this.cache.keys()].filter(
        (k) => namespace === undefined || this.cache.get(k)?.metadata.namespace === namespace,
      ),
    put: (key, obj, event) => {
      this.put(key, obj);
      if (event) this.emit(obj, event);
    },
    remove: (key, obj) => {
      this.remove(key);
      this.emit(obj, 'delete');
    },
  };

  private emit(obj: T, event: 'add' | 'update' | 'delete'): void {
    for (const h of this.handlers) h(obj, event);
  }
}

/** The cache operations a stream needs; the informer owns the cache, its indexes and handlers. */
interface StreamSink<T extends KubeObject> {
  keep(raw: T): T;
  has(key: string): boolean;
  get(key: string): T | undefined;
  /** Cached keys of one namespace (undefined: all), the ones a relist of that stream may delete. */
  keysIn(namespace: string | undefined): string[];
  put(key: string, obj: T, event: 'add' | 'update' | undefined): void;
  remove(key: string, obj: T): void;
}

/**
 * One list + watch loop over one collection path: cluster-wide, or one namespace of a
 * namespace-scoped operator (like controller-runtime's multi-namespace cache, one per namespace).
 */
class ListWatchStream<T extends KubeObject> {
  private resourceVersion = '';
  private abort?: AbortController;
  private stopped = false;
  synced = false;
  private failures = 0;
  /** Bumped per watch, so the end of an aborted watch does not restart a newer one. */
  private generation = 0;
  private watchdog?: NodeJS.Timeout;
  /** Ends the wait between failed first lists, so stop() is immediate. */
  private wake?: () => void;
  /** When the last event or bookmark arrived (epoch ms). */
  lastEventAt = Date.now();
  relists = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly path: string,
    private readonly namespace: string | undefined,
    private readonly o: InformerOptions<T>,
    private readonly sink: StreamSink<T>,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    // The first list may meet an apiserver that is still starting (429 "storage is
    // (re)initializing" right after a CRD is created, 503, connection refused), or RBAC that is
    // not bound yet (a chart's RoleBinding applied after its Deployment): keep trying.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.relist();
        break;
      } catch (err) {
        if (this.stopped) throw err;
        const delay = Math.min(10_000, 200 * 2 ** Math.min(attempt, 6));
        const message = err instanceof Error ? err.message : String(err);
        if (/\b403\b|forbidden/i.test(message))
          this.log.error(
            { path: this.path, err: message, retryInMs: delay },
            this.namespace
              ? `forbidden to list ${this.path}: grant the operator's ServiceAccount a Role in namespace ${this.namespace} (the chart does, for each of watchNamespaces)`
              : `forbidden to list ${this.path} cluster-wide: grant the operator its ClusterRole, or run it namespace-scoped (--watch-namespaces; the chart's watchNamespaces)`,
          );
        else this.log.warn({ path: this.path, err: message, retryInMs: delay }, 'initial list failed; retrying');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (this.halted) throw new Error(`stopped before ${this.path} was listed`);
      }
    }
    void this.watch();
    const stale = this.o.staleAfterMs ?? 5 * 60_000;
    this.watchdog = setInterval(
      () => {
        if (Date.now() - this.lastEventAt > stale) {
          this.log.warn({ path: this.path, quietForMs: Date.now() - this.lastEventAt }, 'watch went quiet; relisting');
          this.restart(true);
        }
      },
      Math.min(stale, 30_000),
    );
    this.watchdog.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.watchdog);
    this.abort?.abort();
    this.wake?.();
  }

  /** stopped, read again after an await (a getter, so the compiler does not assume it unchanged). */
  private get halted(): boolean {
    return this.stopped;
  }

  private async relist(): Promise<void> {
    // A metadata-only list of nothing has items: null (a nil slice in Go).
    const list = await this.client.request<{ metadata: { resourceVersion: string }; items?: T[] | null }>(
      'GET',
      this.path,
      {
        query: { labelSelector: this.o.labelSelector },
        accept: this.o.metadataOnly ? METADATA_LIST : undefined,
      },
    );
    this.relists++;
    const seen = new Set<string>();
    for (const raw of list.items ?? []) {
      const item = this.sink.keep(raw);
      const key = objectKey(item);
      seen.add(key);
      const old = this.sink.get(key);
      const changed = !old || old.metadata.resourceVersion !== item.metadata.resourceVersion;
      this.sink.put(key, item, changed ? (old ? 'update' : 'add') : undefined);
    }
    // Level-based: whatever vanished while we were not watching is a delete now.
    for (const key of this.sink.keysIn(this.namespace)) {
      const old = this.sink.get(key);
      if (!seen.has(key) && old) this.sink.remove(key, old);
    }
    this.resourceVersion = list.metadata.resourceVersion;
    this.lastEventAt = Date.now();
    this.synced = true;
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    const generation = ++this.generation;
    const query = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      labelSelector: this.o.labelSelector,
      timeoutSeconds: 300,
    };
    try {
      this.abort = await this.client.watch(
        this.path,
        query,
        (phase, obj) => {
          if (generation === this.generation) this.onEvent(phase, obj as T & { code?: number });
        },
        (err: unknown) => {
          if (generation === this.generation) this.onDone(err);
        },
        this.o.metadataOnly ? METADATA_WATCH : undefined,
      );
    } catch (err) {
      if (generation === this.generation) this.onDone(err);
    }
  }

  private onEvent(phase: string, raw: T & { code?: number }): void {
    this.lastEventAt = Date.now();
    this.failures = 0;
    if (phase === 'ERROR') {
      // 410 Gone: our resourceVersion is too old; only a relist recovers.
      if (raw.code === 410) this.resourceVersion = '';
      return;
    }
    const obj = this.sink.keep(raw);
    if (obj.metadata.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
    if (phase === 'BOOKMARK') return;
    const key = objectKey(obj);
    if (phase === 'DELETED') this.sink.remove(key, obj);
    else this.sink.put(key, obj, this.sink.has(key) ? 'update' : 'add');
  }

  private onDone(err: unknown): void {
    if (this.stopped) return;
    if (err) {
      this.failures++;
      this.log.warn(
        { path: this.path, err: err instanceof Error ? err.message : JSON.stringify(err), failures: this.failures },
        'watch ended with an error',
      );
    }
    this.restart(this.resourceVersion === '' || (err instanceof Error && err.message.includes('410')));
  }

  private restart(relist: boolean): void {
    if (this.stopped) return;
    this.generation++;
    this.abort?.abort();
    const delay = this.failures ? Math.min(30_000, 200 * 2 ** Math.min(this.failures, 8)) : 0;
    setTimeout(() => {
      void (async () => {
        try {
          if (relist || this.resourceVersion === '') await this.relist();
          await this.watch();
        } catch (err) {
          this.onDone(err);
        }
      })();
    }, delay).unref();
  }
}

/**
 * The collection path of one namespace: /api/v1/configmaps → /api/v1/namespaces/NS/configmaps,
 * /apis/procos.io/v1alpha1/workerpools → /apis/procos.io/v1alpha1/namespaces/NS/workerpools.
 */
export function namespacedPath(path: string, namespace: string): string {
  const cut = path.lastIndexOf('/');
  return `${path.slice(0, cut)}/namespaces/${encodeURIComponent(namespace)}${path.slice(cut)}`;
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  const keys = index.get(value) ?? new Set<string>();
  keys.add(key);
  index.set(value, keys);
}
