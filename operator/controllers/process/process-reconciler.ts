// ProcOSProcess: observe (informer caches) → plan (pure) → apply (engine, finalizer patch) →
// report (one server-side-apply status write, only when something changed).
//
// Every status write carries the resourceVersion it was computed from: a write based on a
// stale cache is refused (409) and the reconcile re-runs on the fresh object, instead of
// overwriting a newer status (the startOnDeploy record above all; see start-plan.ts).
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { classifyEngineError, type DeployedDefinition, type EngineClient } from '../../engine-client/engine-client.js';
import { mergeConditions, conditionOf } from '../../runtime/conditions.js';
import type { EventSink } from '../../runtime/event-recorder.js';
import { KubeError, resourcePath, type KubeClient, type KubeObject } from '../../runtime/kube-client.js';
import { ProcessMemo } from './process-memo.js';
import {
  ProcessObserver,
  type ConfigMap,
  type Lister,
  type PolicyObject,
  type ProcessObject,
  type ProcessStatus,
} from './process-observer.js';
import { conditionsFor, FINALIZER, planProcess, type Outcome, type ProcessPlan } from './process-plan.js';
import type { Failure } from './process-reasons.js';
import { StartOnDeploy } from './start-on-deploy.js';
import { startReadiness } from './start-plan.js';
import { boundMessage, boundTaskTypes, statusProblems } from './status-bounds.js';
import { workersAvailable, type ServingPool } from './workers-available.js';

/** What the WorkersAvailable condition reads of a WorkerPool. */
export type ServingPoolObject = KubeObject & {
  spec: { taskTypes: string[] };
  status?: { conditions?: ProcessStatus['conditions'] };
};

export type { ProcessObject, ProcessStatus };

/** Named points where a test can make the operator die (PROCOS_TEST_CRASH_AFTER); test-only. */
export type FaultPoint = 'instance-created';

export interface ProcessReconcilerDeps {
  client: Pick<KubeClient, 'apply' | 'jsonPatch' | 'request'>;
  engine: EngineClient;
  processes: Lister<ProcessObject>;
  configMaps: Lister<ConfigMap>;
  policies: Lister<PolicyObject>;
  /** WorkerPools, for the WorkersAvailable condition (left out where there are none, e.g. unit tests). */
  workerPools?: Lister<ServingPoolObject>;
  events: EventSink;
  log: Logger;
  /** Reconcile another key again (a process id it shares changed hands). */
  enqueue?: (key: string) => void;
  /** Test-only fault injection: called when the named point is reached. */
  faultPoint?: (point: FaultPoint) => void;
}

const API = 'procos.io/v1alpha1';

export type ReconcileResult = { requeueAfterMs?: number } | undefined;

/** One reconcile's view of the object it writes: the path and the resourceVersion to write on. */
export interface WriteTarget {
  path: string;
  obj: ProcessObject;
  resourceVersion?: string;
  log: Logger;
}

/** A deploy (or an up-to-date definition) and what the report should say about it. */
interface Deployment {
  status: ProcessStatus;
  outcome: Outcome;
  rethrow?: Error;
}

export class ProcessReconciler {
  private readonly memo = new ProcessMemo();
  private readonly observer: ProcessObserver;
  private readonly start: StartOnDeploy;

  constructor(private readonly d: ProcessReconcilerDeps) {
    this.observer = new ProcessObserver({ ...d, memo: this.memo, enqueue: (key) => d.enqueue?.(key) });
    this.start = new StartOnDeploy({
      client: d.client,
      engine: d.engine,
      events: d.events,
      memo: this.memo,
      faultPoint: d.faultPoint,
      writeStatus: (t, status, outcome) => this.writeStatus(t, status, outcome),
    });
  }

  /** The informer saw the object deleted: forget it, and free its process id. */
  forget(obj: ProcessObject): void {
    this.observer.forget(obj);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const obj = this.d.processes.get(key);
    if (!obj) return undefined; // gone: nothing owns engine state any more
    const log = this.d.log.child({
      kind: 'ProcOSProcess',
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      generation: obj.metadata.generation,
    });
    const facts = await this.observer.observe(obj);
    const plan = planProcess(facts);
    const target: WriteTarget = {
      path: resourcePath(API, 'procosprocesses', obj.metadata.namespace, obj.metadata.name),
      obj,
      resourceVersion: obj.metadata.resourceVersion,
      log,
    };
    if (plan.kind === 'finalize') return this.finalize(target, plan);
    if (plan.finalizer) await this.patchFinalizer(target, plan.finalizer);

    let result: Deployment;
    if (plan.kind === 'invalid') {
      const status: ProcessStatus = { ...obj.status };
      if (plan.bpmnProcessId) status.bpmnProcessId = plan.bpmnProcessId;
      if (plan.taskTypes) status.taskTypes = boundTaskTypes(plan.taskTypes).taskTypes;
      result = { status, outcome: { ready: false, failure: plan.failure, transient: false, validated: false } };
    } else {
      const deployed = await this.deploy(target, plan, facts.deployed);
      result = 'failed' in deployed ? deployed.failed : await this.afterDeploy(target, plan, deployed);
    }
    const reported = await this.report(target, result.status, result.outcome);
    // Per-object reconcile counts and "this change was seen" for tests and debugging.
    log.debug({ plan: plan.kind, resourceVersion: obj.metadata.resourceVersion }, 'reconciled');
    if (result.rethrow) throw result.rethrow; // retried with per-key backoff, no hot loop
    return reported;
  }

  /** Deploys when the plan says so; the definition that is deployed now either way. */
  private async deploy(
    t: WriteTarget,
    plan: Extract<ProcessPlan, { kind: 'deploy' | 'upToDate' }>,
    known: { version?: number; processDefinitionKey?: string },
  ): Promise<DeployedDefinition | { failed: Deployment }> {
    if (plan.kind === 'upToDate')
      return {
        bpmnProcessId: plan.bpmnProcessId,
        version: known.version ?? 0,
        processDefinitionKey: known.processDefinitionKey ?? '',
      };
    const uid = t.obj.metadata.uid ?? '';
    let mine: DeployedDefinition | undefined;
    try {
      const deployed = await this.d.engine.deploy(plan.resourceName, plan.xml);
      mine = deployed.find((p) => p.bpmnProcessId === plan.bpmnProcessId);
    } catch (err) {
      return { failed: { status: { ...t.obj.status }, ...this.engineFailure(err) } };
    }
    if (!mine) {
      const failure: Failure = {
        reason: 'EngineError',
        message: `the engine's answer to the deployment names no process '${plan.bpmnProcessId}'`,
      };
      return {
        failed: { status: { ...t.obj.status }, outcome: { ready: false, failure, transient: true, validated: true } },
      };
    }
    const before = this.memo.deployed.get(uid)?.definition.processDefinitionKey ?? t.obj.status?.processDefinitionKey;
    this.memo.deployed.set(uid, { checksum: plan.checksum, definition: mine });
    if (mine.processDefinitionKey !== before)
      this.d.events.record(
        t.obj,
        'Normal',
        'Deployed',
        `deployed ${mine.bpmnProcessId} version ${mine.version} (key ${mine.processDefinitionKey})`,
      );
    return mine;
  }

  private async afterDeploy(
    t: WriteTarget,
    plan: Extract<ProcessPlan, { kind: 'deploy' | 'upToDate' }>,
    definition: DeployedDefinition,
  ): Promise<Deployment> {
    const { checksum } = plan;
    const types = boundTaskTypes(plan.taskTypes);
    const status: ProcessStatus = {
      ...t.obj.status,
      bpmnProcessId: definition.bpmnProcessId,
      version: definition.version,
      processDefinitionKey: definition.processDefinitionKey,
      checksum,
      taskTypes: types.taskTypes,
    };
    const ready: Outcome = { ready: true, version: definition.version, note: types.note };
    if (t.obj.spec.startOnDeploy.enabled) {
      status.startOnDeploy = await this.start.run(t, status, ready, definition);
    }
    const start = startReadiness(status.startOnDeploy, definition.processDefinitionKey);
    if (start.failure) {
      const outcome: Outcome = {
        ready: false,
        failure: start.failure,
        transient: start.transient ?? false,
        validated: true,
        deployedVersion: definition.version,
      };
      const rethrow = start.transient ? new Error(start.failure.message) : undefined;
      return { status, outcome, rethrow };
    }
    const note = [types.note, start.note].filter(Boolean).join('; ') || undefined;
    return { status, outcome: { ...ready, note } };
  }

  /** A failed deployment → the condition it becomes; transient ones are rethrown (retried). */
  private engineFailure(err: unknown): Omit<Deployment, 'status'> {
    const e = classifyEngineError(err);
    const message = boundMessage(e.message, 2048);
    if (e.reason === 'EngineRejected') {
      const failure: Failure = { reason: 'InvalidBPMN', message: `the engine rejected the BPMN: ${message}` };
      return { outcome: { ready: false, failure, transient: false, validated: false } };
    }
    const reason = e.reason === 'EngineNotFound' ? 'EngineError' : e.reason;
    const words = {
      EngineUnavailable: 'cannot reach the engine',
      EngineUnauthorized:
        'the engine refused the credentials (check ZEEBE_CLIENT_ID/SECRET, CAMUNDA_OAUTH_URL and the client’s permissions)',
      EngineError: 'the engine failed',
    }[reason];
    return {
      outcome: { ready: false, failure: { reason, message: `${words}: ${message}` }, transient: true, validated: true },
      rethrow: e,
    };
  }

  private async finalize(t: WriteTarget, plan: Extract<ProcessPlan, { kind: 'finalize' }>): Promise<ReconcileResult> {
    if (plan.deleteFromEngine) {
      try {
        await this.d.engine.deleteResource(plan.deleteFromEngine);
        this.d.events.record(
          t.obj,
          'Normal',
          'DeletedFromEngine',
          `process definition ${plan.deleteFromEngine} deleted from the engine`,
        );
      } catch (err) {
        const e = classifyEngineError(err);
        if (e.reason !== 'EngineNotFound') {
          // Terminating, yet Ready=True would hide why the resource does not go away.
          const failure: Failure = {
            reason: 'DeletionBlocked',
            message:
              `cannot delete process definition ${plan.deleteFromEngine} from the engine (${e.reason}: ${boundMessage(e.message, 1024)}); ` +
              `the finalizer ${FINALIZER} keeps the resource until it can (remove the finalizer to leave the definition in the engine)`,
          };
          const outcome: Outcome = {
            ready: false,
            failure,
            transient: true,
            validated: true,
            deployedVersion: t.obj.status?.version,
          };
          await this.report(t, { ...t.obj.status }, outcome);
          throw e;
        }
      }
    }
    if (plan.removeFinalizer) await this.patchFinalizer(t, 'remove');
    t.log.info({ deletedFromEngine: plan.deleteFromEngine ?? null }, 'finalized');
    return undefined;
  }

  private async patchFinalizer(t: WriteTarget, change: 'add' | 'remove'): Promise<void> {
    const list = t.obj.metadata.finalizers ?? [];
    // Targeted JSON patch, never a full update: a full update would take server-side-apply
    // ownership of every field (and overwrite concurrent changes to them).
    const ops =
      change === 'add'
        ? list.length
          ? [{ op: 'add', path: '/metadata/finalizers/-', value: FINALIZER }]
          : [{ op: 'add', path: '/metadata/finalizers', value: [FINALIZER] }]
        : list.includes(FINALIZER)
          ? [
              { op: 'test', path: `/metadata/finalizers/${list.indexOf(FINALIZER)}`, value: FINALIZER },
              { op: 'remove', path: `/metadata/finalizers/${list.indexOf(FINALIZER)}` },
            ]
          : [];
    if (!ops.length) return;
    const patched = await this.d.client.jsonPatch<ProcessObject>(t.path, ops);
    t.resourceVersion = patched.metadata.resourceVersion;
  }

  /** The whole status: the fields, and conditions for the outcome (messages bounded). */
  private statusWith(t: WriteTarget, status: ProcessStatus, outcome: Outcome): ProcessStatus {
    const generation = t.obj.metadata.generation ?? 0;
    const wanted = conditionsFor(outcome);
    if (this.d.workerPools) wanted.push(workersAvailable(status.taskTypes, this.servingPools(t.obj)));
    const conditions = mergeConditions(t.obj.status?.conditions, wanted, generation, new Date()).map((c) => ({
      ...c,
      message: boundMessage(c.message),
    }));
    // Through JSON: key order and undefined fields as the apiserver will store them.
    return JSON.parse(JSON.stringify({ ...status, observedGeneration: generation, conditions })) as ProcessStatus;
  }

  private servingPools(obj: ProcessObject): ServingPool[] {
    return (this.d.workerPools?.list() ?? [])
      .filter((p) => p.metadata.namespace === obj.metadata.namespace && !p.metadata.deletionTimestamp)
      .map((p) => ({
        name: p.metadata.name,
        taskTypes: p.spec.taskTypes,
        ready: conditionOf(p.status?.conditions, 'Ready')?.status === 'True',
      }));
  }

  /** One server-side apply of status, on the resourceVersion it was computed from. */
  async writeStatus(t: WriteTarget, status: ProcessStatus, outcome: Outcome): Promise<ProcessStatus> {
    const next = this.statusWith(t, status, outcome);
    const problems = statusProblems(next);
    if (problems.length)
      throw new KubeError(422, 'Invalid', `the operator built a status the CRD would refuse: ${problems.join('; ')}`);
    const written = await this.d.client.apply<ProcessObject>(
      t.path,
      {
        apiVersion: API,
        kind: 'ProcOSProcess',
        metadata: {
          name: t.obj.metadata.name,
          namespace: t.obj.metadata.namespace,
          resourceVersion: t.resourceVersion,
        },
        status: next,
      },
      'status',
    );
    t.resourceVersion = written.metadata.resourceVersion;
    return next;
  }

  private async report(t: WriteTarget, status: ProcessStatus, outcome: Outcome): Promise<ReconcileResult> {
    const { obj, log } = t;
    const next = this.statusWith(t, status, outcome);
    // Key order differs between what we build and what the apiserver stores (sorted): compare
    // structurally, or every status write would cause one more identical write. Unless this
    // loop wrote already (a startOnDeploy record): then the stored status is not obj.status.
    if (isDeepStrictEqual(next, obj.status) && t.resourceVersion === obj.metadata.resourceVersion) return undefined;
    const before = conditionOf(obj.status?.conditions, 'Ready');
    const ready = conditionOf(next.conditions, 'Ready');
    if (ready && (before?.status !== ready.status || before.reason !== ready.reason)) {
      log.info({ ready: ready.status, reason: ready.reason }, boundMessage(ready.message, 512));
      if (ready.status === 'False') this.d.events.record(obj, 'Warning', ready.reason, ready.message);
    }
    try {
      await this.writeStatus(t, status, outcome);
      this.memo.refused.delete(obj.metadata.uid ?? '');
      return undefined;
    } catch (err) {
      if (!(err instanceof KubeError)) throw err;
      // A newer object exists (an edit, or our own write the cache has not seen yet): its watch
      // event reconciles again; the delay only covers an event that never comes.
      if (err.status === 409) return { requeueAfterMs: 5000 };
      if (err.status !== 422 && err.status !== 400) throw err;
      this.statusRefused(t, err, `${obj.metadata.generation ?? 0}/${status.checksum ?? ''}/${ready?.reason ?? ''}`);
      return undefined;
    }
  }

  /**
   * The apiserver refused the status. Retrying would only repeat the refusal; nothing else is
   * redone either (the memo keeps what was deployed and started). Said once per state.
   */
  private statusRefused(t: WriteTarget, err: KubeError, fingerprint: string): void {
    const uid = t.obj.metadata.uid ?? '';
    if (this.memo.refused.get(uid) === fingerprint) return;
    this.memo.refused.set(uid, fingerprint);
    const message = `the apiserver refused the status update: ${boundMessage(err.message, 512)}`;
    t.log.error({ status: err.status }, message);
    this.d.events.record(t.obj, 'Warning', 'StatusRejected', message);
  }
}
