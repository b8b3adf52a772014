// Kubernetes Events for meaningful transitions, so `kubectl describe` tells the story.
import type { Logger } from 'pino';
import type { KubeClient, KubeObject } from './kube-client.js';

export class EventRecorder {
  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly log: Logger,
  ) {}

  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const ns = obj.metadata.namespace ?? 'default';
    const now = new Date().toISOString();
    const event = {
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
      message: message.slice(0, 1024),
      source: { component: this.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    // Best effort: an event that cannot be written must not fail the reconcile.
    this.client.request('POST', `/api/v1/namespaces/${ns}/events`, { body: event }).catch((err: unknown) => {
      this.log.debug({ err: String(err) }, 'could not record event');
    });
  }
}
