// What this operator process did and the informer cache may not show yet. A status write
// lands in the cache a moment later (or never, when the apiserver refuses it); reconciles in
// between must not deploy, start or report again because of a stale status. Keyed by uid, so
// a re-created resource starts afresh; bounded, so 10 000 resources cost a few MB at most.
import type { DeployedDefinition } from '../../engine-client/engine-client.js';
import { LruMap } from '../../runtime/lru-map.js';
import type { StartOutcome } from './start-plan.js';

export class ProcessMemo {
  /** The last definition deployed for a resource, and from which BPMN (checksum). */
  readonly deployed = new LruMap<{ checksum: string; definition: DeployedDefinition }>(10_000);
  /** The last startOnDeploy outcome per resource. */
  readonly started = new LruMap<{ processDefinitionKey: string; outcome: StartOutcome }>(10_000);
  /** The last status the apiserver refused, as generation/checksum/reason: reported once. */
  readonly refused = new LruMap<string>(10_000);

  forget(uid: string): void {
    this.deployed.delete(uid);
    this.started.delete(uid);
    this.refused.delete(uid);
  }
}
