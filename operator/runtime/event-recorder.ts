// Kubernetes Events for meaningful transitions, so `kubectl describe` tells the story.
// Like client-go's EventRecorder: an identical event (same object, type, reason and message)
// is not written again but counted (PATCH count and lastTimestamp), and each object has a
// token bucket (client-go's spam filter: burst 25, one more every 5 minutes), so a flood of
// failures cannot turn into hundreds of Event objects.
import type { Logger } from 'pino';
import { KubeError, type KubeClient, type KubeObject } from './kube-client.js';
import { LruMap } from './lru-map.js';

export type EventType = 'Normal' | 'Warning';

/** What reconcilers need of a recorder (tests pass fakes). */
export interface EventSink {
  record(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

export interface EventRecorderOptions {
  /** Events an object may get at once (client-go: 25). */
  burst?: number;
  /** Tokens an object gets back per second (client-go: 1/300). */
  refillPerSecond?: number;
  /** Series (and buckets) remembered, least recently used first out (client-go: 4096). */
  maxEntries?: number;
  now?: () => number;
}

/** Kubernetes caps an Event message at 1 KiB in practice (kubectl truncates it anyway). */
const MAX_MESSAGE = 1024;

interface Series {
  name?: string;
  count: number;
  firstTimestamp: string;
  /** Writes of one series go one after the other: a second POST would start a second series. */
  pending: Promise<void>;
}

export class EventRecorder implements EventSink {
  private readonly series: LruMap<Series>;
  private readonly buckets: LruMap<{ tokens: number; at: number }>;
  private readonly burst: number;
  private readonly refill: number;
  private readonly now: () => number;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly client: Pick<KubeClient, 'request'>,
    private readonly component: string,
    private readonly log: Logger,
    o: EventRecorderOptions = {},
  ) {
    this.burst = o.burst ?? 25;
    this.refill = o.refillPerSecond ?? 1 / 300;
    this.now = o.now ?? Date.now;
    this.series = new LruMap(o.maxEntries ?? 4096);
    this.buckets = new LruMap(o.maxEntries ?? 4096);
  }

  record(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const ns = obj.metadata.namespace ?? 'default';
    const objectKey = `${obj.kind ?? ''}/${ns}/${obj.metadata.name}/${obj.metadata.uid ?? ''}`;
    if (!this.take(objectKey)) {
      this.log.debug({ reason, object: objectKey }, 'event dropped: too many events for this object');
      return;
    }
    const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
    const key = `${objectKey}\u0000${type}\u0000${reason}\u0000${text}`;
    const now = new Date(this.now()).toISOString();
    let s = this.series.get(key);
    if (!s) {
      s = { count: 0, firstTimestamp: now, pending: Promise.resolve() };
      this.series.set(key, s);
    }
    const series = s;
    series.count++;
    const write = series.pending.then(() => this.write(obj, ns, series, type, reason, text, now));
    series.pending = write;
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
  }

  /** Resolves when every event recorded so far is written (or given up on). */
  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  private take(objectKey: string): boolean {
    const now = this.now();
    const b = this.buckets.get(objectKey) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.refill);
    b.at = now;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.buckets.set(objectKey, b);
    return ok;
  }

  private async write(
    obj: KubeObject,
    ns: string,
    s: Series,
    type: EventType,
    reason: string,
    message: string,
    now: string,
  ): Promise<void> {
    // Best effort: an event that cannot be written must not fail the reconcile.
    try {
      if (s.name) {
        try {
          await this.client.request('PATCH', `/api/v1/namespaces/${ns}/events/${s.name}`, {
            body: { count: s.count, lastTimestamp: now },
            contentType: 'application/merge-patch+json',
          });
          return;
        } catch (err) {
          // Events expire (the apiserver's --event-ttl, 1 h): start the series again.
          if (!(err instanceof KubeError && err.status === 404)) throw err;
        }
      }
      const created = await this.client.request<{ metadata?: { name?: string } }>(
        'POST',
        `/api/v1/namespaces/${ns}/events`,
        {
          body: {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { generateName: `${obj.metadata.name}.`, namespace: ns },
            involvedObject: {
              apiVersion: obj.apiVersion,
              kind: obj.kind,
              name: obj.metadata.name,
              namespace: ns,
              uid: obj.metadata.uid,
              resourceVersion: obj.metadata.resourceVersion,
            },
            type,
            reason,
            message,
            source: { component: this.component },
            firstTimestamp: s.firstTimestamp,
            lastTimestamp: now,
            count: s.count,
          },
        },
      );
      s.name = created.metadata?.name;
    } catch (err) {
      this.log.debug({ err: String(err).slice(0, 300) }, 'could not record event');
    }
  }
}
