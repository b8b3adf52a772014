// Leader election against an in-memory Lease store that enforces resourceVersion like the
// apiserver (the e2e suite covers the real one); fake timers move the clock, so lease expiry
// and the renew deadline are exact, whatever the machine's load.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubeError } from './kube-client.js';
import { LeaderElector, type LeaseClient } from './leader-election.js';

interface StoredLease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string; renewTime?: string; leaseTransitions?: number };
}

/** Lease objects by path, optimistic concurrency on resourceVersion; `down` fails every call. */
class LeaseStore implements LeaseClient {
  readonly leases = new Map<string, StoredLease>();
  namespaces = new Set(['procos-system']);
  down = false;
  private rv = 1;

  request<T>(method: string, path: string, o: { body?: unknown } = {}): Promise<T> {
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED'));
    const body = structuredClone(o.body) as StoredLease | undefined;
    const ns = /namespaces\/([^/]+)\//.exec(path)?.[1] ?? '';
    if (!this.namespaces.has(ns)) return Promise.reject(new KubeError(404, 'NotFound', `namespaces "${ns}" not found`));
    const stored = this.leases.get(path);
    if (method === 'GET') {
      if (!stored) return Promise.reject(new KubeError(404, 'NotFound', 'lease not found'));
      return Promise.resolve(structuredClone(stored) as T);
    }
    if (!body) return Promise.reject(new Error('no body'));
    const key = method === 'POST' ? `${path}/${body.metadata.name}` : path;
    const existing = this.leases.get(key);
    if (method === 'POST' && existing) return Promise.reject(new KubeError(409, 'AlreadyExists', 'exists'));
    if (method === 'PUT' && existing?.metadata.resourceVersion !== body.metadata.resourceVersion)
      return Promise.reject(new KubeError(409, 'Conflict', 'the object has been modified'));
    body.metadata.resourceVersion = String(++this.rv);
    this.leases.set(key, body);
    return Promise.resolve(structuredClone(body) as T);
  }

  holder(): string | undefined {
    return this.leases.get('/apis/coordination.k8s.io/v1/namespaces/procos-system/leases/procos-operator')?.spec
      .holderIdentity;
  }
}

const log = pino({ level: 'silent' });
const elector = (store: LeaseStore, identity: string, namespace = 'procos-system'): LeaderElector =>
  new LeaderElector(store, { namespace, name: 'procos-operator', identity, leaseDurationSeconds: 15 }, log);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('leader election on a Lease', () => {
  it('lets one candidate lead; the other takes over only after the lease expires', async () => {
    const store = new LeaseStore();
    const a = elector(store, 'op-a');
    await a.acquire();
    expect(store.holder()).toBe('op-a');

    const b = elector(store, 'op-b');
    let bLeads = false;
    void b.acquire().then(() => (bLeads = true));
    // op-a is gone without releasing (kill -9): its last renewal stays valid for 15 s.
    await vi.advanceTimersByTimeAsync(14_000);
    expect(bLeads).toBe(false);
    await vi.advanceTimersByTimeAsync(3_000); // past expiry, plus one retry period (2 s)
    expect(bLeads).toBe(true);
    expect(store.holder()).toBe('op-b');
    expect(store.leases.values().next().value?.spec.leaseTransitions).toBe(1);
  });

  it('keeps the lease while renewals succeed, so a standby never takes it', async () => {
    const store = new LeaseStore();
    const a = elector(store, 'op-a');
    await a.acquire();
    void a.keepLeading();
    const b = elector(store, 'op-b');
    let bLeads = false;
    void b.acquire().then(() => (bLeads = true));
    await vi.advanceTimersByTimeAsync(120_000);
    expect(bLeads).toBe(false);
    expect(a.isLeader).toBe(true);
    await a.release();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(bLeads).toBe(true);
  });

  it('steps down when it cannot renew within the renew deadline (2/3 of the lease)', async () => {
    const store = new LeaseStore();
    const a = elector(store, 'op-a');
    await a.acquire();
    let lost = false;
    void a.keepLeading().then(() => (lost = true));
    await vi.advanceTimersByTimeAsync(4_000);
    store.down = true;
    const downAt = Date.now();
    for (let s = 0; s < 30 && a.isLeader; s++) await vi.advanceTimersByTimeAsync(1_000);
    expect(lost).toBe(true);
    // The last good renewal was at most one retry period before the outage; the deadline is 10 s.
    expect(Date.now() - downAt).toBeGreaterThanOrEqual(10_000 - 2_000);
    expect(Date.now() - downAt).toBeLessThanOrEqual(10_000 + 2_000);
    expect(a.isLeader).toBe(false);
  });

  it('releases the lease on shutdown so a standby takes over at once', async () => {
    const store = new LeaseStore();
    const a = elector(store, 'op-a');
    await a.acquire();
    await a.release();
    expect(store.holder()).toBe('');
    await elector(store, 'op-b').acquire();
    expect(store.holder()).toBe('op-b');
  });

  it('fails at once, naming the namespace and the fix, when the lease namespace does not exist', async () => {
    const store = new LeaseStore();
    await expect(elector(store, 'op-a', 'missing-ns').acquire()).rejects.toThrow(
      "the leader-election namespace 'missing-ns' does not exist: create it with `kubectl create namespace missing-ns`, or choose an existing one with --leader-election-namespace (or run a single replica with --no-leader-election)",
    );
  });
});
