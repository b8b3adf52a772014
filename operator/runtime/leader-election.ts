// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: acquire when the
// lease is free or expired, renew every retry period, step down when renewing keeps failing
// past the renew deadline, release (empty holder) on shutdown. Writes use the lease's
// resourceVersion, so two candidates can never both win.
import type { Logger } from 'pino';
import { KubeError, type KubeClient } from './kube-client.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** metav1.MicroTime wants exactly six fractional digits. */
const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** All the elector needs from the apiserver (a fake in unit tests). */
export type LeaseClient = Pick<KubeClient, 'request'>;

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private readonly path: string;

  constructor(
    private readonly client: LeaseClient,
    private readonly o: LeaderElectionOptions,
    private readonly log: Logger,
  ) {
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${o.namespace}/leases`;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private get durationS(): number {
    return this.o.leaseDurationSeconds ?? 15;
  }

  /** client-go's ratios: renew well before the lease runs out, retry several times per lease. */
  private get renewDeadlineMs(): number {
    return this.o.renewDeadlineMs ?? (this.durationS * 1000 * 2) / 3;
  }

  private get retryMs(): number {
    return this.o.retryPeriodMs ?? Math.min(2000, (this.durationS * 1000) / 5);
  }

  /** Resolves when this candidate leads; rejects if stopped first. */
  async acquire(): Promise<void> {
    for (;;) {
      if (this.stopped) throw new Error('leader election stopped');
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.log.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, 'became leader');
        return;
      }
      await new Promise((r) => setTimeout(r, this.retryMs));
    }
  }

  /** Renews until it cannot; resolves when leadership is lost (then the process should exit). */
  async keepLeading(): Promise<void> {
    let lastRenew = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, this.retryMs));
      if (this.stopped) return;
      const renewed = await this.tryAcquireOrRenew().catch((err: unknown) => {
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'renewing the lease failed');
        return false;
      });
      if (renewed) lastRenew = Date.now();
      else if (Date.now() - lastRenew > this.renewDeadlineMs) {
        this.leading = false;
        this.log.error(
          { lease: `${this.o.namespace}/${this.o.name}` },
          'lost leadership: could not renew the lease in time',
        );
        return;
      }
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    let lease: Lease | undefined;
    try {
      lease = await this.client.request<Lease>('GET', `${this.path}/${this.o.name}`);
    } catch (err) {
      if (!(err instanceof KubeError && err.status === 404)) return false;
    }
    if (!lease) {
      const fresh: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.o.name, namespace: this.o.namespace },
        spec: {
          holderIdentity: this.o.identity,
          leaseDurationSeconds: this.durationS,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      };
      return this.client.request('POST', this.path, { body: fresh }).then(
        () => true,
        (err: unknown) => {
          // Waiting would never help: say what to create instead of hanging "waiting for leadership".
          if (err instanceof KubeError && err.status === 404)
            throw new Error(
              `the leader-election namespace '${this.o.namespace}' does not exist: create it with ` +
                `\`kubectl create namespace ${this.o.namespace}\`, or choose an existing one with ` +
                '--leader-election-namespace (or run a single replica with --no-leader-election)',
            );
          return false;
        },
      );
    }
    const holder = lease.spec.holderIdentity ?? '';
    const renewed = lease.spec.renewTime ? Date.parse(lease.spec.renewTime) : 0;
    const expired =
      holder === '' || renewed + (lease.spec.leaseDurationSeconds ?? this.durationS) * 1000 < now.getTime();
    if (holder !== this.o.identity && !expired) return false;
    const changed = holder !== this.o.identity;
    const next: Lease = {
      ...lease,
      spec: {
        holderIdentity: this.o.identity,
        leaseDurationSeconds: this.durationS,
        acquireTime: changed ? microTime(now) : lease.spec.acquireTime,
        renewTime: microTime(now),
        leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (changed ? 1 : 0),
      },
    };
    // PUT with the resourceVersion we read: a concurrent winner makes this a 409.
    return this.client.request('PUT', `${this.path}/${this.o.name}`, { body: next }).then(
      () => true,
      () => false,
    );
  }

  /** Gives the lease up so a standby takes over at once instead of after it expires. */
  async release(): Promise<void> {
    this.stopped = true;
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.client.request<Lease>('GET', `${this.path}/${this.o.name}`);
      if (lease.spec.holderIdentity !== this.o.identity) return;
      await this.client.request('PUT', `${this.path}/${this.o.name}`, {
        body: {
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) },
        },
      });
    } catch (err) {
      this.log.warn({ err: String(err) }, 'could not release the lease');
    }
  }
}
