// The objects `procos up` runs, held the way an apiserver holds them — so the operator's own
// reconcilers run unchanged on one machine. Specs come from the manifest folder; uid,
// generation (bumped when a spec changes), resourceVersion, finalizers and status are kept in
// one durable file, so the next `procos up` knows what it deployed and started (deploy by
// checksum, startOnDeploy at most once) exactly as an operator reading status from etcd does.
//
// What reconcilers call: `apply` of status (with the resourceVersion precondition that makes
// a stale write 409), `jsonPatch` of metadata (finalizers), `request('GET')`; and listers.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { conditionOf, type Condition } from '../../operator/runtime/conditions.js';
import { KubeError, type KubeObject } from '../../operator/runtime/kube-client.js';
import type { DirObject } from './manifest-dir.js';

export type LocalKind = 'ProcOSProcess' | 'WorkerPool' | 'SandboxPolicy' | 'ConfigMap';

const PLURALS: Record<string, LocalKind> = {
  procosprocesses: 'ProcOSProcess',
  workerpools: 'WorkerPool',
  sandboxpolicies: 'SandboxPolicy',
  configmaps: 'ConfigMap',
};

export type StoredObject = KubeObject & {
  apiVersion: string;
  kind: LocalKind;
  metadata: KubeObject['metadata'] & { namespace: string; creationTimestamp: string };
  spec?: unknown;
  data?: Record<string, string>;
  status?: Record<string, unknown>;
};

/** A condition of a stored object's status (the operator's conditionOf, on our objects). */
export function conditionOfObject(
  o: { status?: Record<string, unknown> } | undefined,
  type: string,
): Condition | undefined {
  return conditionOf(o?.status?.conditions as Condition[] | undefined, type);
}

export type ObjectEvent = 'add' | 'update' | 'delete';
export type ObjectListener = (obj: StoredObject, event: ObjectEvent) => void;

export interface Lister<T> {
  get(key: string): T | undefined;
  list(): T[];
}

interface StateFile {
  version: 1;
  resourceVersion: number;
  objects: StoredObject[];
}

const clone = <T>(v: T): T => structuredClone(v);
const storeKey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;
/** What a user changes: a different one is a new generation (metadata and status are not). */
const contentOf = (o: { spec?: unknown; data?: unknown }): unknown => o.spec ?? o.data ?? null;

export class LocalObjectStore {
  private readonly objects = new Map<string, StoredObject>();
  private readonly listeners: ObjectListener[] = [];
  private resourceVersion = 0;

  private constructor(
    private readonly file: string,
    private readonly now: () => Date,
  ) {}

  /** Opens (or creates) the store kept in `file`. */
  static open(file: string, now: () => Date = () => new Date()): LocalObjectStore {
    const store = new LocalObjectStore(file, now);
    if (existsSync(file)) {
      const state = JSON.parse(readFileSync(file, 'utf8')) as StateFile;
      store.resourceVersion = state.resourceVersion;
      for (const o of state.objects) store.objects.set(storeKey(o.kind, o.metadata.namespace, o.metadata.name), o);
    }
    return store;
  }

  on(listener: ObjectListener): void {
    this.listeners.push(listener);
  }

  private emit(obj: StoredObject, event: ObjectEvent): void {
    for (const l of this.listeners) l(clone(obj), event);
  }

  private nextVersion(): string {
    this.resourceVersion += 1;
    return String(this.resourceVersion);
  }

  /** Written whole, then renamed: a crash leaves the old file or the new one, never half of one. */
  private persist(): void {
    const state: StateFile = { version: 1, resourceVersion: this.resourceVersion, objects: [...this.objects.values()] };
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(state), { flush: true });
    renameSync(tmp, this.file);
  }

  /**
   * Makes the store hold exactly `desired` (what the folder says now), like `kubectl apply
   * --prune`: new objects are created, changed specs get a new generation, objects no longer
   * in the folder are deleted — or marked deleting while they have finalizers — unless `keep`
   * says to keep them (a manifest that is invalid now keeps its last valid version).
   */
  sync(
    desired: DirObject[],
    keep: (kind: string, name: string) => boolean = () => false,
  ): { created: number; changed: number; deleted: number } {
    const counts = { created: 0, changed: 0, deleted: 0 };
    const events: [StoredObject, ObjectEvent][] = [];
    const wanted = new Set<string>();
    for (const d of desired) {
      const namespace = d.metadata.namespace ?? 'default';
      const key = storeKey(d.kind, namespace, d.metadata.name);
      wanted.add(key);
      const old = this.objects.get(key);
      if (old && !old.metadata.deletionTimestamp && isDeepStrictEqual(contentOf(old), contentOf(d))) continue;
      const obj: StoredObject = {
        ...(clone(d) as unknown as StoredObject),
        metadata: {
          ...(clone(d.metadata) as KubeObject['metadata']),
          namespace,
          uid: old?.metadata.uid ?? randomUUID(),
          creationTimestamp: old?.metadata.creationTimestamp ?? this.now().toISOString(),
          generation: d.kind === 'ConfigMap' ? undefined : (old?.metadata.generation ?? 0) + 1,
          resourceVersion: this.nextVersion(),
          finalizers: old?.metadata.finalizers,
        },
      };
      if (old?.status) obj.status = old.status;
      this.objects.set(key, obj);
      counts[old ? 'changed' : 'created']++;
      events.push([obj, old ? 'update' : 'add']);
    }
    for (const [key, obj] of this.objects) {
      if (wanted.has(key) || obj.metadata.deletionTimestamp || keep(obj.kind, obj.metadata.name)) continue;
      counts.deleted++;
      if (obj.metadata.finalizers?.length) {
        obj.metadata.deletionTimestamp = this.now().toISOString();
        obj.metadata.resourceVersion = this.nextVersion();
        events.push([obj, 'update']);
      } else {
        this.objects.delete(key);
        events.push([obj, 'delete']);
      }
    }
    if (events.length) this.persist();
    for (const [obj, event] of events) this.emit(obj, event);
    return counts;
  }

  lister<T extends KubeObject = StoredObject>(kind: LocalKind): Lister<T> {
    return {
      get: (key) => {
        const [namespace, name] = key.includes('/') ? key.split('/', 2) : ['default', key];
        const o = this.objects.get(storeKey(kind, namespace ?? 'default', name ?? ''));
        return o ? (clone(o) as unknown as T) : undefined;
      },
      list: () => [...this.objects.values()].filter((o) => o.kind === kind).map((o) => clone(o) as unknown as T),
    };
  }

  /** Objects of every kind (for `procos status`). */
  all(): StoredObject[] {
    return [...this.objects.values()].map(clone);
  }

  private resolve(path: string): { key: string; obj: StoredObject; subresource?: string } {
    const m = /^\/apis?\/(?:[^/]+\/)?[^/]+\/namespaces\/([^/]+)\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    const kind = m && PLURALS[m[2] ?? ''];
    if (!m || !kind) throw new KubeError(404, 'NotFound', `procos up holds no resource at ${path}`);
    const key = storeKey(kind, m[1] ?? '', m[3] ?? '');
    const obj = this.objects.get(key);
    if (!obj) throw new KubeError(404, 'NotFound', `${kind} ${m[1]}/${m[3]} not found`);
    return { key, obj, subresource: m[4] };
  }

  private precondition(obj: StoredObject, resourceVersion: unknown): void {
    if (resourceVersion !== undefined && resourceVersion !== obj.metadata.resourceVersion)
      throw new KubeError(
        409,
        'Conflict',
        `the object has been modified; please apply your changes to the latest version and try again`,
      );
  }

  private written(obj: StoredObject): StoredObject {
    obj.metadata.resourceVersion = this.nextVersion();
    this.persist();
    this.emit(obj, 'update');
    return clone(obj);
  }

  /** Server-side apply of status (one field manager writes all of it, as ours do). */
  apply<T>(path: string, body: unknown, subresource?: 'status'): Promise<T> {
    return settle(() => {
      const { obj } = this.resolve(path);
      const b = body as { metadata?: { resourceVersion?: string }; status?: Record<string, unknown> };
      if (subresource !== 'status')
        throw new KubeError(405, 'MethodNotAllowed', `procos up applies status only (${path})`);
      this.precondition(obj, b.metadata?.resourceVersion);
      obj.status = clone(b.status ?? {});
      return this.written(obj) as unknown as T;
    });
  }

  /** RFC 6902 on metadata (the reconcilers patch finalizers); `test` failing is a 422 as in Kubernetes. */
  jsonPatch<T>(path: string, ops: unknown[]): Promise<T> {
    return settle(() => {
      const { key, obj } = this.resolve(path);
      const next = clone(obj) as unknown as Record<string, unknown>;
      try {
        for (const op of ops as { op: string; path: string; value?: unknown }[]) applyOp(next, op);
      } catch (err) {
        throw new KubeError(422, 'Invalid', (err as Error).message);
      }
      const patched = next as unknown as StoredObject;
      if (patched.metadata.deletionTimestamp && !patched.metadata.finalizers?.length) {
        this.objects.delete(key);
        this.persist();
        this.emit(patched, 'delete');
        return clone(patched) as unknown as T;
      }
      this.objects.set(key, patched);
      return this.written(patched) as unknown as T;
    });
  }

  request<T>(method: string, path: string): Promise<T> {
    return settle(() => {
      if (method !== 'GET')
        throw new KubeError(405, 'MethodNotAllowed', `procos up answers GET only (${method} ${path})`);
      return clone(this.resolve(path).obj) as unknown as T;
    });
  }
}

/** The answer of a synchronous call as a promise: a throw becomes a rejection, as from the apiserver. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

function applyOp(doc: Record<string, unknown>, op: { op: string; path: string; value?: unknown }): void {
  const tokens = op.path
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = tokens.pop();
  if (last === undefined) throw new Error(`json patch: empty path`);
  let parent: unknown = doc;
  for (const t of tokens) {
    parent = (parent as Record<string, unknown> | undefined)?.[t];
    if (parent === undefined) throw new Error(`json patch: ${op.path}: no such path`);
  }
  const p = parent as Record<string, unknown>;
  const list = Array.isArray(parent) ? (parent as unknown[]) : undefined;
  const index = list ? (last === '-' ? list.length : Number(last)) : -1;
  switch (op.op) {
    case 'test':
      if (!isDeepStrictEqual(list ? list[index] : p[last], op.value))
        throw new Error(`json patch: test of ${op.path} failed`);
      return;
    case 'add':
      if (list) list.splice(index, 0, op.value);
      else p[last] = op.value;
      return;
    case 'replace':
      if (list) list[index] = op.value;
      else p[last] = op.value;
      return;
    case 'remove':
      if (list) list.splice(index, 1);
      else Reflect.deleteProperty(p, last);
      return;
    default:
      throw new Error(`json patch: op ${op.op} not supported`);
  }
}
