// ProcOSProcess: observe (informer caches) → plan (pure) → apply (engine, finalizer patch) →
// report (one server-side-apply status write, only when something changed).
import { isDeepStrictEqual } from 'node:util';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { compileBpmn, formatProblem } from '../../../lib/bpmn/index.js';
import { compileGlobs, disallowedTaskTypes } from '../../../lib/policy/task-type-glob.js';
import type { ProcOSProcessSpec, SandboxPolicySpec } from '../../api/index.js';
import { EngineCallError, type EngineClient } from '../../engine-client/engine-client.js';
import { conditionOf, mergeConditions, type Condition } from '../../runtime/conditions.js';
import type { EventRecorder } from '../../runtime/event-recorder.js';
import type { Informer } from '../../runtime/informer.js';
import { resourcePath, type KubeClient, type KubeObject } from '../../runtime/kube-client.js';
import { conditionsFor, FINALIZER, planProcess, type Failure, type ProcessFacts } from './process-plan.js';

export interface ProcessStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  bpmnProcessId?: string;
  version?: number;
  processDefinitionKey?: string;
  checksum?: string;
  taskTypes?: string[];
}

export type ProcessObject = KubeObject & { spec: ProcOSProcessSpec; status?: ProcessStatus };
type ConfigMap = KubeObject & { data?: Record<string, string> };
type PolicyObject = KubeObject & { spec: SandboxPolicySpec };

export interface ProcessReconcilerDeps {
  client: KubeClient;
  engine: EngineClient;
  processes: Informer<ProcessObject>;
  configMaps: Informer<ConfigMap>;
  policies: Informer<PolicyObject>;
  events: EventRecorder;
  log: Logger;
}

const API = 'procos.io/v1alpha1';

type BpmnFacts = NonNullable<ProcessFacts['bpmn']>;

/** Validation results by checksum: a status write re-triggers a reconcile of the same BPMN. */
class CompileCache {
  private readonly entries = new Map<string, BpmnFacts>();
  constructor(private readonly max = 512) {}

  async get(checksum: string, xml: string): Promise<BpmnFacts> {
    const hit = this.entries.get(checksum);
    if (hit) {
      this.entries.delete(checksum); // refresh LRU position
      this.entries.set(checksum, hit);
      return hit;
    }
    const compiled = await compileBpmn(xml);
    const facts: BpmnFacts = {
      problems: compiled.problems.map(formatProblem),
      bpmnProcessId: compiled.processes[0]?.id,
      taskTypes: [...new Set(compiled.processes.flatMap((p) => p.jobTypes))].sort(),
    };
    this.entries.set(checksum, facts);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value ?? '');
    return facts;
  }
}

export class ProcessReconciler {
  private readonly compiled = new CompileCache();

  constructor(private readonly d: ProcessReconcilerDeps) {}

  async reconcile(key: string): Promise<{ requeueAfterMs?: number } | undefined> {
    const obj = this.d.processes.get(key);
    if (!obj) return undefined; // gone: nothing owns engine state any more
    const log = this.d.log.child({
      kind: 'ProcOSProcess',
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      generation: obj.metadata.generation,
    });
    const facts = await this.observe(obj);
    const plan = planProcess(facts);
    const path = resourcePath(API, 'procosprocesses', obj.metadata.namespace, obj.metadata.name);

    if (plan.kind === 'finalize') {
      if (plan.deleteFromEngine) {
        try {
          await this.d.engine.deleteResource(plan.deleteFromEngine);
          this.d.events.record(
            obj,
            'Normal',
            'DeletedFromEngine',
            `process definition ${plan.deleteFromEngine} deleted from the engine`,
          );
        } catch (err) {
          if (!(err instanceof EngineCallError && err.reason === 'EngineNotFound')) throw err;
        }
      }
      if (plan.removeFinalizer) await this.patchFinalizer(path, obj, 'remove');
      log.info({ deletedFromEngine: plan.deleteFromEngine ?? null }, 'finalized');
      return undefined;
    }
    if (plan.finalizer) await this.patchFinalizer(path, obj, plan.finalizer);

    const status: ProcessStatus = { ...obj.status };
    let outcome: Parameters<typeof conditionsFor>[0];
    let rethrow: Error | undefined;
    if (plan.kind === 'invalid') {
      outcome = { ready: false, failure: plan.failure, transient: false, validated: false };
      if (plan.bpmnProcessId) status.bpmnProcessId = plan.bpmnProcessId;
      if (plan.taskTypes) status.taskTypes = plan.taskTypes;
    } else if (plan.kind === 'upToDate') {
      outcome = { ready: true, version: status.version ?? 0 };
    } else {
      try {
        const deployed = await this.d.engine.deploy(plan.resourceName, plan.xml);
        const mine = deployed.find((p) => p.bpmnProcessId === plan.bpmnProcessId) ?? deployed[0];
        if (!mine) throw new EngineCallError('EngineRejected', 'the engine deployed no process');
        const isNewVersion = status.version === undefined || mine.version > status.version;
        Object.assign(status, {
          bpmnProcessId: mine.bpmnProcessId,
          version: mine.version,
          processDefinitionKey: mine.processDefinitionKey,
          checksum: plan.checksum,
          taskTypes: plan.taskTypes,
        });
        outcome = { ready: true, version: mine.version };
        if (isNewVersion) {
          this.d.events.record(
            obj,
            'Normal',
            'Deployed',
            `deployed ${mine.bpmnProcessId} version ${mine.version} (key ${mine.processDefinitionKey})`,
          );
          if (obj.spec.startOnDeploy.enabled) {
            const instance = await this.d.engine.createInstance(
              mine.bpmnProcessId,
              mine.version,
              obj.spec.startOnDeploy.variables ?? {},
            );
            this.d.events.record(obj, 'Normal', 'Started', `started instance ${instance} of version ${mine.version}`);
          }
        }
      } catch (err) {
        const e = err instanceof EngineCallError ? err : new EngineCallError('EngineUnavailable', String(err));
        const transient = e.reason === 'EngineUnavailable';
        const failure: Failure = transient
          ? { reason: 'EngineUnavailable', message: `cannot reach the engine: ${e.message}` }
          : { reason: 'InvalidBPMN', message: `the engine rejected the BPMN: ${e.message}` };
        outcome = { ready: false, failure, transient, validated: transient };
        if (transient) rethrow = e; // retried with per-key backoff, no hot loop
      }
    }
    await this.report(path, obj, status, outcome, log);
    if (rethrow) throw rethrow;
    return undefined;
  }

  private async observe(obj: ProcessObject): Promise<ProcessFacts> {
    const ns = obj.metadata.namespace ?? 'default';
    const status = obj.status ?? {};
    const facts: ProcessFacts = {
      deleting: Boolean(obj.metadata.deletionTimestamp),
      finalizers: obj.metadata.finalizers ?? [],
      deletionPolicy: obj.spec.deletionPolicy,
      deployed: {
        checksum: status.checksum,
        version: status.version,
        processDefinitionKey: status.processDefinitionKey,
        deployedCondition: conditionOf(status.conditions, 'Deployed')?.status,
      },
      source: this.source(obj),
    };
    const ref = obj.spec.sandboxPolicyRef?.name;
    if (ref) {
      const policy = this.d.policies.get(`${ns}/${ref}`);
      const globs = policy ? compileGlobs(policy.spec.allowedTaskTypes) : undefined;
      facts.policy = !globs
        ? {
            ok: false,
            reason: 'SandboxPolicyNotFound',
            message: `SandboxPolicy '${ref}' does not exist in namespace '${ns}'`,
          }
        : globs.invalid.length
          ? {
              ok: false,
              reason: 'InvalidSandboxPolicy',
              message: `SandboxPolicy '${ref}' has invalid allowedTaskTypes: ${globs.invalid.map((g) => `'${g.glob}' (${g.error})`).join(', ')}`,
            }
          : { ok: true, name: ref, disallowed: (types) => disallowedTaskTypes(types, globs.globs) };
    }
    if (facts.source.ok && !facts.deleting)
      facts.bpmn = await this.compiled.get(facts.source.checksum, facts.source.xml);
    return facts;
  }

  private source(obj: ProcessObject): ProcessFacts['source'] {
    const ns = obj.metadata.namespace ?? 'default';
    // One resource name per CR: redeploying it is what versions it in the engine.
    const resourceName = `${ns}_${obj.metadata.name}.bpmn`;
    const { inline, configMapRef } = obj.spec.bpmn;
    let xml = inline;
    if (configMapRef) {
      const cm = this.d.configMaps.get(`${ns}/${configMapRef.name}`);
      if (!cm)
        return {
          ok: false,
          reason: 'ConfigMapNotFound',
          message: `ConfigMap '${configMapRef.name}' does not exist in namespace '${ns}'`,
        };
      xml = cm.data?.[configMapRef.key];
      if (xml === undefined)
        return {
          ok: false,
          reason: 'ConfigMapKeyNotFound',
          message: `ConfigMap '${configMapRef.name}' has no key '${configMapRef.key}'`,
        };
    }
    if (!xml) return { ok: false, reason: 'InvalidBPMN', message: 'spec.bpmn is empty' };
    return { ok: true, xml, checksum: createHash('sha256').update(xml).digest('hex'), resourceName };
  }

  private async patchFinalizer(path: string, obj: ProcessObject, change: 'add' | 'remove'): Promise<void> {
    const list = obj.metadata.finalizers ?? [];
    if (change === 'add') {
      // Targeted JSON patch, never a full update: SSA ownership of other fields stays (TWC #317).
      await this.d.client.jsonPatch(
        path,
        list.length
          ? [{ op: 'add', path: '/metadata/finalizers/-', value: FINALIZER }]
          : [{ op: 'add', path: '/metadata/finalizers', value: [FINALIZER] }],
      );
    } else {
      const i = list.indexOf(FINALIZER);
      if (i >= 0)
        await this.d.client.jsonPatch(path, [
          { op: 'test', path: `/metadata/finalizers/${i}`, value: FINALIZER },
          { op: 'remove', path: `/metadata/finalizers/${i}` },
        ]);
    }
  }

  private async report(
    path: string,
    obj: ProcessObject,
    status: ProcessStatus,
    outcome: Parameters<typeof conditionsFor>[0],
    log: Logger,
  ): Promise<void> {
    const generation = obj.metadata.generation ?? 0;
    const conditions = mergeConditions(obj.status?.conditions, conditionsFor(outcome), generation, new Date());
    const next: ProcessStatus = { ...status, observedGeneration: generation, conditions };
    // Key order differs between what we build and what the apiserver stores (sorted): compare
    // structurally, or every status write would cause one more identical write.
    if (isDeepStrictEqual(JSON.parse(JSON.stringify(next)), obj.status)) return;
    const before = conditionOf(obj.status?.conditions, 'Ready');
    const ready = conditionOf(conditions, 'Ready');
    if (ready && (before?.status !== ready.status || before.reason !== ready.reason)) {
      log.info({ ready: ready.status, reason: ready.reason }, ready.message);
      if (ready.status === 'False') this.d.events.record(obj, 'Warning', ready.reason, ready.message);
    }
    await this.d.client.apply(
      path,
      {
        apiVersion: API,
        kind: 'ProcOSProcess',
        metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace },
        status: next,
      },
      'status',
    );
  }
}
