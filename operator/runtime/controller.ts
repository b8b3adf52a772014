// A controller in the spirit of controller-runtime's builder: `For` one kind (its informer's events
// enqueue the object), `Owns` what it creates (an owned object's event enqueues its controlling
// owner, found by ownerReference), `Watches` another kind through a mapping function (backed by an
// informer index, so a change maps to its dependents without scanning them), a periodic resync,
// and per-controller metrics and spans. The reconciler behind it stays observe → plan → apply →
// report; this only decides which keys to reconcile and when.
import { trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { objectKey, type Informer } from './informer.js';
import type { KubeObject } from './kube-client.js';
import type { OperatorMetrics } from './operator-metrics.js';
import { Workqueue, type Reconcile } from './workqueue.js';

const tracer = trace.getTracer('procos-operator');

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  controller?: boolean;
}

export interface ControllerOptions {
  /** The kind reconciled (metric label, span name, log field). */
  kind: string;
  /** apiVersion of the kind: owned objects point at it with it. */
  apiVersion: string;
  metrics: OperatorMetrics;
  log: Logger;
  concurrency: number;
}

export interface Controller {
  readonly kind: string;
  readonly queue: Workqueue;
  /** Enqueues a key by hand (a reconciler asking for another object to be looked at). */
  enqueue(key: string): void;
  stop(): Promise<void>;
}

export class ControllerBuilder<T extends KubeObject> {
  private primary?: Informer<T>;
  private onDelete?: (obj: T) => void;
  private readonly sources: ((enqueue: (key: string) => void) => void)[] = [];
  private resyncMs?: number;

  constructor(private readonly o: ControllerOptions) {}

  /** The kind this controller reconciles; ON_DELETE sees a deleted object once (to drop memos). */
  for(informer: Informer<T>, onDelete?: (obj: T) => void): this {
    this.primary = informer;
    this.onDelete = onDelete;
    return this;
  }

  /** Objects this controller creates: their events enqueue the owner named by their controller ownerReference. */
  owns<O extends KubeObject>(informer: Informer<O>): this {
    this.sources.push((enqueue) =>
      informer.on((obj) => {
        const refs = (obj.metadata as { ownerReferences?: OwnerReference[] }).ownerReferences ?? [];
        const owner = refs.find((r) => r.controller && r.kind === this.o.kind && r.apiVersion === this.o.apiVersion);
        // Owners are namespaced like what they own (cross-namespace owner references are invalid).
        if (owner) enqueue(obj.metadata.namespace ? `${obj.metadata.namespace}/${owner.name}` : owner.name);
      }),
    );
    return this;
  }

  /** Another kind whose changes matter: MAP names the keys of the objects to reconcile. */
  watches<O extends KubeObject>(
    informer: Informer<O>,
    map: (obj: O, event: 'add' | 'update' | 'delete') => string[],
  ): this {
    this.sources.push((enqueue) =>
      informer.on((obj, event) => {
        for (const key of map(obj, event)) enqueue(key);
      }),
    );
    return this;
  }

  /** Reconciles every object again this often, as a safety net for anything no event announces. */
  resyncEvery(ms: number): this {
    this.resyncMs = ms;
    return this;
  }

  /** Wires the sources to a workqueue that runs RECONCILE, measured and traced per kind. */
  complete(reconcile: Reconcile): Controller {
    const primary = this.primary;
    if (!primary) throw new Error(`controller ${this.o.kind}: call for() first`);
    const { kind, metrics, log } = this.o;
    const queue = new Workqueue(
      (key) =>
        tracer.startActiveSpan(`reconcile ${kind}`, async (span) => {
          span.setAttribute('procos.key', key);
          const end = metrics.duration.startTimer({ kind });
          try {
            const r = await reconcile(key);
            metrics.reconciles.inc({ kind, result: 'success' });
            return r;
          } catch (err) {
            metrics.reconciles.inc({ kind, result: 'error' });
            throw err;
          } finally {
            end();
            span.end();
          }
        }),
      { concurrency: this.o.concurrency, baseDelayMs: 500, maxDelayMs: 60_000 },
      (key, err, retryInMs) =>
        log.warn(
          // Bounded: an apiserver or engine message can be tens of KB (a whole BPMN).
          { kind, key, err: (err instanceof Error ? err.message : String(err)).slice(0, 1000), retryInMs },
          'reconcile failed; retrying',
        ),
    );
    const enqueue = (key: string): void => queue.add(key);
    primary.on((obj, event) => {
      if (event === 'delete') this.onDelete?.(obj);
      enqueue(objectKey(obj));
    });
    for (const source of this.sources) source(enqueue);
    const timers: NodeJS.Timeout[] = [];
    if (this.resyncMs) {
      const resync = setInterval(() => {
        for (const obj of primary.list()) enqueue(objectKey(obj));
      }, this.resyncMs);
      resync.unref();
      timers.push(resync);
    }
    const gauge = setInterval(() => metrics.queueDepth.set({ kind }, queue.depth), 5000);
    gauge.unref();
    timers.push(gauge);
    return {
      kind,
      queue,
      enqueue,
      async stop() {
        for (const t of timers) clearInterval(t);
        await queue.stop();
      },
    };
  }
}
