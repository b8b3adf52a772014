// apply for startOnDeploy: the two-phase record around CreateProcessInstance that
// start-plan.ts decides on (the guarantee and why it is at-most-once are explained there).
import type { StartOnDeployStatus } from '../../api/index.js';
import { classifyEngineError, type DeployedDefinition, type EngineClient } from '../../engine-client/engine-client.js';
import type { EventSink } from '../../runtime/event-recorder.js';
import { KubeError, type KubeClient } from '../../runtime/kube-client.js';
import type { ProcessMemo } from './process-memo.js';
import type { ProcessObject, ProcessStatus } from './process-observer.js';
import type { Outcome } from './process-plan.js';
import type { FaultPoint, WriteTarget } from './process-reconciler.js';
import { markerFor, planStart, START_KEY_VARIABLE, type StartOutcome } from './start-plan.js';
import { boundMessage } from './status-bounds.js';

export interface StartOnDeployDeps {
  client: Pick<KubeClient, 'request'>;
  engine: EngineClient;
  events: EventSink;
  memo: ProcessMemo;
  faultPoint?: (point: FaultPoint) => void;
  writeStatus: (t: WriteTarget, status: ProcessStatus, outcome: Outcome) => Promise<ProcessStatus>;
}

/** Conflicts in a row before the reconcile gives up (and is retried with backoff). */
const MAX_CONFLICTS = 3;

export class StartOnDeploy {
  constructor(private readonly d: StartOnDeployDeps) {}

  /** Starts the instance of `definition` if it is due; returns the record status should carry. */
  async run(
    t: WriteTarget,
    status: ProcessStatus,
    ready: Outcome,
    definition: DeployedDefinition,
  ): Promise<StartOnDeployStatus | undefined> {
    const uid = t.obj.metadata.uid ?? '';
    const generation = t.obj.metadata.generation ?? 0;
    let base: ProcessObject = t.obj;
    for (let conflicts = 0; ;) {
      const plan = planStart({
        enabled: true,
        uid,
        generation,
        deployed: definition,
        marker: base.status?.startOnDeploy,
        recordedKey: base.status?.processDefinitionKey,
        memo: this.d.memo.started.get(uid),
      });
      if (plan.kind === 'none') return base.status?.startOnDeploy;
      if (plan.kind === 'record') {
        this.announce(t.obj, plan.marker);
        return plan.marker;
      }
      // Phase 1: the record, written only if the object is still the one this plan read.
      try {
        const starting: Outcome = ready.ready ? { ...ready, note: `starting its startOnDeploy instance` } : ready;
        await this.d.writeStatus(t, { ...status, startOnDeploy: plan.marker }, starting);
      } catch (err) {
        if (err instanceof KubeError && err.status === 409 && ++conflicts < MAX_CONFLICTS) {
          // The cache was stale (or the object changed): plan again from what is stored.
          base = await this.d.client.request<ProcessObject>('GET', t.path);
          t.resourceVersion = base.metadata.resourceVersion;
          continue;
        }
        // Refused (422): nothing was started; the report says why, once.
        if (err instanceof KubeError && (err.status === 422 || err.status === 400)) return base.status?.startOnDeploy;
        throw err;
      }
      // Phase 2: the instance. From here a crash leaves `Starting`: at most once.
      const outcome = await this.create(definition, plan.marker.startKey ?? '', t.obj.spec.startOnDeploy.variables);
      this.d.memo.started.set(uid, { processDefinitionKey: definition.processDefinitionKey, outcome });
      if (outcome.kind === 'started') this.d.faultPoint?.('instance-created');
      // Phase 3 is the report's status write, with this record.
      const marker = markerFor(plan.marker, outcome, generation);
      this.announce(t.obj, marker);
      return marker;
    }
  }

  private async create(
    d: DeployedDefinition,
    startKey: string,
    variables: Record<string, unknown> | undefined,
  ): Promise<StartOutcome> {
    try {
      const key = await this.d.engine.createInstance(d.bpmnProcessId, d.version, {
        ...variables,
        [START_KEY_VARIABLE]: startKey,
      });
      return { kind: 'started', processInstanceKey: key };
    } catch (err) {
      const e = classifyEngineError(err);
      const message = boundMessage(e.message, 1024);
      if (!e.notExecuted)
        return { kind: 'unknown', message: `the engine's answer to the start was lost (${e.reason}: ${message})` };
      const permanent = e.reason === 'EngineRejected' || e.reason === 'EngineNotFound';
      return {
        kind: 'failed',
        reason: e.reason === 'EngineRejected' || e.reason === 'EngineNotFound' ? 'StartOnDeployFailed' : e.reason,
        message: `the engine refused to start it (${e.reason}): ${message}`,
        permanent,
      };
    }
  }

  private announce(obj: ProcessObject, marker: StartOnDeployStatus): void {
    if (marker.phase === 'Started')
      this.d.events.record(
        obj,
        'Normal',
        'Started',
        `started instance ${marker.processInstanceKey ?? ''} of version ${marker.version}`,
      );
    else if (marker.phase === 'Unconfirmed')
      this.d.events.record(obj, 'Warning', 'StartOnDeployUnconfirmed', marker.message ?? '');
    else if (marker.phase === 'Skipped')
      this.d.events.record(obj, 'Normal', 'StartOnDeploySkipped', marker.message ?? '');
  }
}
