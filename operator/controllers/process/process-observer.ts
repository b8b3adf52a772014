// observe for ProcOSProcess: everything the plan needs, from the informer caches (no API
// reads), the compile cache, the process-id index and what this operator did (ProcessMemo).
import { createHash } from 'node:crypto';
import { compileBpmn, formatProblem, noneStartEvent } from '../../../lib/bpmn/index.js';
import { compileGlobs, disallowedTaskTypes } from '../../../lib/policy/task-type-glob.js';
import {
  jsonDepth,
  type ProcOSProcessSpec,
  type ProcOSProcessStatus,
  type SandboxPolicySpec,
} from '../../api/index.js';
import { conditionOf } from '../../runtime/conditions.js';
import type { Informer } from '../../runtime/informer.js';
import type { KubeObject } from '../../runtime/kube-client.js';
import { ownsBefore, ProcessIdIndex, type Claimant } from './process-id-index.js';
import { LruMap } from '../../runtime/lru-map.js';
import type { ProcessMemo } from './process-memo.js';
import type { ProcessFacts } from './process-plan.js';
import { listItems } from './status-bounds.js';

export type ProcessStatus = ProcOSProcessStatus;
export type ProcessObject = KubeObject & {
  metadata: KubeObject['metadata'] & { creationTimestamp?: string };
  spec: ProcOSProcessSpec;
  status?: ProcessStatus;
};
export type ConfigMap = KubeObject & { data?: Record<string, string> };
export type PolicyObject = KubeObject & { spec: SandboxPolicySpec };
export type Lister<T> = Pick<Informer<T & KubeObject>, 'get' | 'list'>;

type BpmnFacts = NonNullable<ProcessFacts['bpmn']>;

/** Validation results by checksum: a status write re-triggers a reconcile of the same BPMN. */
class CompileCache {
  private readonly entries = new LruMap<BpmnFacts>(512);

  async get(checksum: string, xml: string): Promise<BpmnFacts> {
    const hit = this.entries.get(checksum);
    if (hit) return hit;
    const compiled = await compileBpmn(xml);
    const [only, ...others] = compiled.processes;
    const facts: BpmnFacts = {
      problems: compiled.problems.map(formatProblem),
      processIds: compiled.processes.map((p) => p.id),
      taskTypes: [...new Set(compiled.processes.flatMap((p) => p.jobTypes))].sort(),
      noneStart: Boolean(only && !others.length && noneStartEvent(only)),
    };
    this.entries.set(checksum, facts);
    return facts;
  }
}

/** The id a resource would deploy: its single executable process, when the BPMN compiles. */
function deployableId(bpmn: BpmnFacts | undefined): string | undefined {
  return bpmn && !bpmn.problems.length && bpmn.processIds.length === 1 ? bpmn.processIds[0] : undefined;
}

function claimant(p: ProcessObject, id: string): Claimant {
  const s = p.status;
  const ready = conditionOf(s?.conditions, 'Ready');
  return {
    ...p.metadata,
    holds: s?.bpmnProcessId === id && Boolean(s.processDefinitionKey) && ready?.reason !== 'DuplicateProcessId',
  };
}

export interface ObserverDeps {
  processes: Lister<ProcessObject>;
  configMaps: Lister<ConfigMap>;
  policies: Lister<PolicyObject>;
  memo: ProcessMemo;
  /** Another resource must be reconciled again (a process id it shares changed hands). */
  enqueue: (key: string) => void;
}

export class ProcessObserver {
  private readonly compiled = new CompileCache();
  readonly ids = new ProcessIdIndex();

  constructor(private readonly d: ObserverDeps) {}

  async observe(obj: ProcessObject): Promise<ProcessFacts> {
    const status = obj.status ?? {};
    const source = this.source(obj);
    const uid = obj.metadata.uid ?? '';
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
      source,
      startOnDeploy: {
        enabled: obj.spec.startOnDeploy.enabled,
        variablesDepth: jsonDepth(obj.spec.startOnDeploy.variables ?? {}),
      },
    };
    // Deployed by this process but not (yet) in the cached status: a status write that failed
    // or has not come back through the watch must not cause another deployment.
    const mine = this.d.memo.deployed.get(uid);
    if (mine && source.ok && mine.checksum === source.checksum && status.checksum !== mine.checksum)
      facts.deployed = {
        checksum: mine.checksum,
        version: mine.definition.version,
        processDefinitionKey: mine.definition.processDefinitionKey,
        deployedCondition: 'True',
      };
    facts.policy = this.policy(obj);
    if (facts.deleting || !source.ok) return facts;
    facts.bpmn = await this.compiled.get(source.checksum, source.xml);
    const id = deployableId(facts.bpmn);
    this.claim(obj, id);
    if (id !== undefined) facts.duplicateOf = await this.ownerOtherThan(obj, id);
    return facts;
  }

  /** A resource is gone: its process id is free for the next claimant. */
  forget(obj: ProcessObject): void {
    const uid = obj.metadata.uid ?? '';
    this.d.memo.forget(uid);
    for (const id of this.ids.release(uid)) this.requeueClaimants(id, uid);
  }

  private claim(obj: ProcessObject, id: string | undefined): void {
    const uid = obj.metadata.uid ?? '';
    for (const changed of this.ids.claim(uid, id)) this.requeueClaimants(changed, uid);
  }

  private requeueClaimants(id: string, except: string): void {
    const uids = new Set(this.ids.claimants(id));
    for (const p of this.d.processes.list()) {
      const uid = p.metadata.uid ?? '';
      if (uid !== except && (uids.has(uid) || p.status?.bpmnProcessId === id))
        this.d.enqueue(`${p.metadata.namespace ?? ''}/${p.metadata.name}`);
    }
  }

  /** The other resource that owns `id` before `obj` does, if there is one. */
  private async ownerOtherThan(
    obj: ProcessObject,
    id: string,
  ): Promise<{ namespace: string; name: string } | undefined> {
    const me = claimant(obj, id);
    let owner: Claimant | undefined;
    for (const p of this.d.processes.list()) {
      if (p.metadata.uid === obj.metadata.uid) continue;
      const other = claimant(p, id);
      if (ownsBefore(other, me) >= 0 || (owner && ownsBefore(other, owner) >= 0)) continue;
      if ((await this.idOf(p)) === id) owner = other;
    }
    return owner ? { namespace: owner.namespace ?? '', name: owner.name } : undefined;
  }

  /**
   * What another resource deploys: from its last reconcile, its status, or — created at the
   * same moment and not reconciled yet — by compiling its BPMN now (cached by checksum), so
   * two resources created together cannot both deploy.
   */
  private async idOf(p: ProcessObject): Promise<string | undefined> {
    const uid = p.metadata.uid ?? '';
    const known = this.ids.idOf(uid) ?? p.status?.bpmnProcessId;
    if (known !== undefined || p.metadata.deletionTimestamp) return known;
    const source = this.source(p);
    if (!source.ok) return undefined;
    const id = deployableId(await this.compiled.get(source.checksum, source.xml));
    this.ids.claim(uid, id);
    return id;
  }

  private policy(obj: ProcessObject): ProcessFacts['policy'] {
    const ns = obj.metadata.namespace ?? 'default';
    const ref = obj.spec.sandboxPolicyRef?.name;
    if (!ref) return undefined;
    const policy = this.d.policies.get(`${ns}/${ref}`);
    if (!policy)
      return {
        ok: false,
        reason: 'SandboxPolicyNotFound',
        message: `SandboxPolicy '${ref}' does not exist in namespace '${ns}'`,
      };
    // Globs the CRD now refuses may still be stored from before: say which, do not throw.
    const globs = compileGlobs(policy.spec.allowedTaskTypes);
    if (globs.invalid.length)
      return {
        ok: false,
        reason: 'InvalidSandboxPolicy',
        message:
          `SandboxPolicy '${ref}' has invalid allowedTaskTypes: ` +
          globs.invalid
            .slice(0, 5)
            .map((g) => `${listItems([g.glob])} (${g.error})`)
            .join(', '),
      };
    return { ok: true, name: ref, disallowed: (types) => disallowedTaskTypes(types, globs.globs) };
  }

  source(obj: ProcessObject): ProcessFacts['source'] {
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
}
