// observe for WorkerPool: everything the plan needs, from the informer caches (no API reads),
// the shared backlog cache, the handler-config check (cached by config) and the scaler's memory.
import { createHash } from 'node:crypto';
import { compileGlobs, disallowedTaskTypes } from '../../../lib/policy/task-type-glob.js';
import type { SandboxPolicySpec, WorkerPool, WorkerPoolSpec } from '../../api/index.js';
import type { Informer } from '../../runtime/informer.js';
import type { KubeObject } from '../../runtime/kube-client.js';
import { LruMap } from '../../runtime/lru-map.js';
import type { BacklogCache } from './backlog-cache.js';
import type { Recommendation } from './backlog-scaler.js';
import { handlerProblems } from './handler-check.js';
import {
  APPLIED_HASH,
  type DeploymentState,
  type PodProblem,
  type PodProblemReason,
  type PolicyFacts,
  type PoolFacts,
  optionalObjectNames,
} from './pool-plan.js';
import { labelValue, workerObjectNames } from './worker-objects.js';

export type PoolObject = KubeObject & Pick<WorkerPool, 'spec' | 'status'>;
export type PolicyObject = KubeObject & { spec: SandboxPolicySpec };
type OwnerRef = { uid?: string; controller?: boolean };
export type OwnedObject = KubeObject & { metadata: KubeObject['metadata'] & { ownerReferences?: OwnerRef[] } };
export type DeploymentObject = OwnedObject & {
  spec?: { replicas?: number };
  status?: DeploymentState['status'];
};
export interface PodObject extends KubeObject {
  status?: {
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: {
      name: string;
      image?: string;
      state?: { waiting?: { reason?: string; message?: string } };
      lastState?: { terminated?: { exitCode?: number; reason?: string } };
    }[];
  };
}

type Lister<T extends KubeObject> = Pick<Informer<T>, 'get' | 'list'>;

/** What the pool controller reads of a worker pod (its informer keeps only this). */
export function slimPod(pod: PodObject): PodObject {
  const { name, namespace, uid, resourceVersion, labels, deletionTimestamp } = pod.metadata;
  return {
    metadata: { name, namespace, uid, resourceVersion, labels, deletionTimestamp },
    status: {
      conditions: pod.status?.conditions?.filter((c) => c.type === 'PodScheduled'),
      containerStatuses: pod.status?.containerStatuses?.map((c) => ({
        name: c.name,
        image: c.image,
        state: c.state?.waiting ? { waiting: c.state.waiting } : undefined,
        lastState: c.lastState?.terminated
          ? { terminated: { exitCode: c.lastState.terminated.exitCode, reason: c.lastState.terminated.reason } }
          : undefined,
      })),
    },
  };
}

/** What the pool controller reads of a Deployment (its informer keeps only this). */
export function slimDeployment(d: DeploymentObject): DeploymentObject {
  const { name, namespace, uid, resourceVersion, generation, labels, ownerReferences, deletionTimestamp } = d.metadata;
  const applied = d.metadata.annotations?.[APPLIED_HASH];
  return {
    metadata: {
      name,
      namespace,
      uid,
      resourceVersion,
      generation,
      labels,
      ownerReferences,
      deletionTimestamp,
      ...(applied ? { annotations: { [APPLIED_HASH]: applied } } : {}),
    },
    spec: { replicas: d.spec?.replicas },
    status: d.status,
  };
}

/** Index of worker pods by namespace/pool label (procos.io/pool). */
export const PODS_BY_POOL = 'pool';

export interface PoolObserverDeps {
  policies: Lister<PolicyObject>;
  configMaps: Lister<OwnedObject>;
  deployments: Lister<DeploymentObject>;
  networkPolicies: Lister<OwnedObject>;
  podDisruptionBudgets: Lister<OwnedObject>;
  serviceAccounts: Lister<OwnedObject>;
  roleBindings: Lister<OwnedObject>;
  /** Metadata only: a pool's secretRefs must exist; its engine Secret is owned. */
  secrets: Lister<OwnedObject>;
  pods: Pick<Informer<PodObject>, 'byIndex'>;
  backlog: BacklogCache;
  defaults: PoolFacts['defaults'];
  pollMs: number;
  now?: () => number;
}

/** What the scaler remembers between loops (HPA keeps the same in memory). */
export interface ScalerMemory {
  history: Recommendation[];
  lastScaleUpAt?: number;
}

const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/** Why a worker pod cannot run, if it cannot (a terminating pod is no problem). */
export function podProblem(pod: PodObject): PodProblem | undefined {
  if (pod.metadata.deletionTimestamp) return undefined;
  const problem = (reason: PodProblemReason, message: string): PodProblem => ({
    pod: pod.metadata.name,
    reason,
    message,
  });
  for (const c of pod.status?.containerStatuses ?? []) {
    const waiting = c.state?.waiting;
    if (!waiting?.reason) continue;
    if (IMAGE_PULL.has(waiting.reason))
      return problem(
        'ImagePullFailed',
        `image ${c.image ?? ''} cannot be pulled: ${waiting.message ?? waiting.reason}`,
      );
    if (waiting.reason === 'CrashLoopBackOff') {
      const last = c.lastState?.terminated;
      return problem(
        'CrashLoopBackOff',
        `container ${c.name} keeps exiting (last exit code ${last?.exitCode ?? '?'}${last?.reason ? `, ${last.reason}` : ''}); see kubectl logs`,
      );
    }
    if (waiting.reason === 'CreateContainerConfigError')
      return problem('ContainerConfigError', waiting.message ?? 'the container cannot be configured');
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable')
    return problem('Unschedulable', scheduled.message ?? 'no node can run the pod');
  return undefined;
}

/** The pool's SandboxPolicy as the plan sees it: none named, missing, invalid, or found with what it forbids. */
export function poolPolicyFacts(
  spec: Pick<WorkerPoolSpec, 'sandboxPolicyRef' | 'taskTypes'>,
  namespace: string,
  getPolicy: (key: string) => PolicyObject | undefined,
): PolicyFacts {
  const ref = spec.sandboxPolicyRef?.name;
  if (!ref) return { state: 'none' };
  const policy = getPolicy(`${namespace}/${ref}`);
  if (!policy) return { state: 'missing', name: ref };
  const globs = compileGlobs(policy.spec.allowedTaskTypes);
  if (globs.invalid.length)
    return {
      state: 'invalid',
      name: ref,
      message: `SandboxPolicy '${ref}' has invalid allowedTaskTypes: ${globs.invalid
        .slice(0, 5)
        .map((g) => `${g.glob} (${g.error})`)
        .join(', ')}`,
    };
  return { state: 'found', name: ref, spec: policy.spec, disallowed: disallowedTaskTypes(spec.taskTypes, globs.globs) };
}

export class PoolObserver {
  private readonly handlerChecks = new LruMap<string[]>(1024);
  readonly memory = new Map<string, ScalerMemory>();

  constructor(private readonly d: PoolObserverDeps) {}

  async observe(pool: PoolObject): Promise<PoolFacts> {
    const { name } = pool.metadata;
    const namespace = pool.metadata.namespace ?? 'default';
    const uid = pool.metadata.uid ?? '';
    const names = workerObjectNames(name);
    const optional = optionalObjectNames(name);
    const mine = <T extends OwnedObject>(obj: T | undefined): T | undefined =>
      obj?.metadata.ownerReferences?.some((r) => r.controller && r.uid === uid) ? obj : undefined;
    const hashOf = (obj: OwnedObject | undefined): string | undefined =>
      mine(obj)?.metadata.annotations?.[APPLIED_HASH];
    const key = (n: string): string => `${namespace}/${n}`;

    const dep = mine(this.d.deployments.get(key(names.deployment)));
    const deployment: DeploymentState | undefined = dep && {
      specReplicas: dep.spec?.replicas,
      generation: dep.metadata.generation,
      appliedHash: dep.metadata.annotations?.[APPLIED_HASH],
      status: dep.status ?? {},
    };
    const now = (this.d.now ?? Date.now)();
    return {
      pool: {
        metadata: {
          name,
          namespace,
          uid,
          generation: pool.metadata.generation,
          annotations: pool.metadata.annotations,
        },
        spec: pool.spec,
        status: pool.status,
      },
      policy: poolPolicyFacts(pool.spec, namespace, (key) => this.d.policies.get(key)),
      handlerProblems: await this.handlerProblems(pool),
      missingSecrets: (pool.spec.secretRefs ?? []).map((r) => r.name).filter((n) => !this.d.secrets.get(key(n))),
      owned: {
        configMap: hashOf(this.d.configMaps.get(key(names.configMap))),
        networkPolicy: hashOf(this.d.networkPolicies.get(key(names.deployment))),
        podDisruptionBudget: hashOf(this.d.podDisruptionBudgets.get(key(optional.podDisruptionBudget))),
        serviceAccount: hashOf(this.d.serviceAccounts.get(key(optional.serviceAccount))),
        roleBinding: hashOf(this.d.roleBindings.get(key(optional.roleBinding))),
        scriptNetworkPolicy: hashOf(this.d.networkPolicies.get(key(optional.scriptNetworkPolicy))),
        engineSecret: hashOf(this.d.secrets.get(key(optional.engineSecret))),
        deployment,
      },
      pods: this.d.pods
        .byIndex(PODS_BY_POOL, key(labelValue(name)))
        .flatMap((p) => podProblem(p) ?? [])
        .sort((a, b) => a.pod.localeCompare(b.pod)),
      backlog: await this.d.backlog.read(pool.spec.taskTypes),
      scaler: this.scalerMemory(pool, deployment?.specReplicas, now),
      defaults: this.d.defaults,
      now,
      pollMs: this.d.pollMs,
    };
  }

  forget(uid: string): void {
    this.memory.delete(uid);
  }

  /**
   * The scaler's memory; after an operator restart it starts from status: the last scale-up
   * (cooldown) and, within the scale-down window, the size the pool was last scaled to — so a
   * new leader does not scale down the moment it starts.
   */
  private scalerMemory(pool: PoolObject, current: number | undefined, now: number): ScalerMemory {
    const uid = pool.metadata.uid ?? '';
    const known = this.memory.get(uid);
    if (known) return known;
    const at = (t: string | undefined): number | undefined => (t ? Date.parse(t) : undefined);
    const lastScale = at(pool.status?.lastScaleTime);
    const history =
      lastScale !== undefined &&
      current !== undefined &&
      now - lastScale < pool.spec.scaling.scaleDownCooldownSeconds * 1000
        ? [{ at: lastScale, replicas: current }]
        : [];
    const memory = { history, lastScaleUpAt: at(pool.status?.lastScaleUpTime) };
    this.memory.set(uid, memory);
    return memory;
  }

  private async handlerProblems(pool: PoolObject): Promise<string[]> {
    const key = createHash('sha256').update(JSON.stringify(pool.spec.handlers)).digest('hex');
    const hit = this.handlerChecks.get(key);
    if (hit) return hit;
    const problems = await handlerProblems(pool.spec);
    this.handlerChecks.set(key, problems);
    return problems;
  }
}
