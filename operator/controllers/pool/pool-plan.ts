// plan for WorkerPool (pure): from what the observer saw to the objects to apply, the scale
// decision, the status and its conditions, and the Events. A pool that cannot be rolled out
// (policy missing or forbidding a type, a handler config the workers would refuse, a missing
// Secret) applies nothing: a running Deployment is left as it is until the pool is fixed.
import { createHash } from 'node:crypto';
import type { SandboxPolicySpec, WorkerPool, WorkerPoolSpec } from '../../api/index.js';
import type { ConditionInput } from '../../runtime/conditions.js';
import type { BacklogAnswer } from './backlog-cache.js';
import { decideReplicas, type Recommendation, type ScaleDecision } from './backlog-scaler.js';
import { poolAnnotations } from './pool-annotations.js';
import {
  poolSelector,
  workerObjects,
  type KubeManifest,
  type PoolRef,
  type ScriptIsolation,
  type WorkerObjectsInput,
  workerObjectNames,
} from './worker-objects.js';

export type WorkerPoolStatus = NonNullable<WorkerPool['status']>;

/** The annotation holding the sha256 of what the operator last applied to an owned object. */
export const APPLIED_HASH = 'procos.io/applied-sha256';

/** Why a pool is not rolled out: stable reasons (README), human messages. */
export const BLOCKING_REASONS = {
  PolicyNotFound: 'the referenced SandboxPolicy does not exist',
  InvalidSandboxPolicy: 'the referenced SandboxPolicy has a glob the operator cannot use',
  TaskTypeNotAllowed: "a task type is not allowed by the SandboxPolicy's allowedTaskTypes",
  InvalidHandlerConfig: "a handler's config does not fit its adapter's schema",
  SecretNotFound: 'a Secret in spec.secretRefs does not exist',
} as const;
export type BlockingReason = keyof typeof BLOCKING_REASONS;

/** What the worker pods show when they cannot run (from their container and scheduling states). */
export type PodProblemReason = 'ImagePullFailed' | 'Unschedulable' | 'CrashLoopBackOff' | 'ContainerConfigError';

export interface PodProblem {
  pod: string;
  reason: PodProblemReason;
  message: string;
}

/** Owned objects only some pools have, by their field in WorkerObjects; deleted when no longer wanted. */
export const OPTIONAL_OBJECTS = {
  podDisruptionBudget: { apiVersion: 'policy/v1', plural: 'poddisruptionbudgets' },
  serviceAccount: { apiVersion: 'v1', plural: 'serviceaccounts' },
  roleBinding: { apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'rolebindings' },
  scriptNetworkPolicy: { apiVersion: 'networking.k8s.io/v1', plural: 'networkpolicies' },
  engineSecret: { apiVersion: 'v1', plural: 'secrets' },
} as const;
export type OptionalObject = keyof typeof OPTIONAL_OBJECTS;

/** The names the optional objects of pool POOL have. */
export function optionalObjectNames(pool: string): Record<OptionalObject, string> {
  const names = workerObjectNames(pool);
  const worker = names.deployment;
  return {
    podDisruptionBudget: worker,
    serviceAccount: worker,
    roleBinding: `${worker}-scripts`,
    scriptNetworkPolicy: `${worker}-scripts`,
    engineSecret: names.engineSecret,
  };
}

export interface DeploymentState {
  specReplicas?: number;
  generation?: number;
  appliedHash?: string;
  status: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
  };
}

export type PolicyFacts =
  | { state: 'none' }
  | { state: 'found'; name: string; spec: SandboxPolicySpec; disallowed: string[] }
  | { state: 'missing'; name: string }
  | { state: 'invalid'; name: string; message: string };

export interface PoolFacts {
  pool: {
    /** annotations: those of pool-annotations.ts (restart, paused scaling); others are ignored. */
    metadata: PoolRef & { generation?: number; annotations?: Record<string, string> };
    spec: WorkerPoolSpec;
    status?: WorkerPoolStatus;
  };
  policy: PolicyFacts;
  handlerProblems: string[];
  missingSecrets: string[];
  /** Applied-hash annotations of the owned objects that exist (undefined: no such object). */
  owned: Partial<Record<OptionalObject | 'configMap' | 'networkPolicy', string>> & { deployment?: DeploymentState };
  pods: PodProblem[];
  backlog: BacklogAnswer;
  /** Recommendations of earlier loops (the scale-down window) and the last scale-up. */
  scaler: { history: Recommendation[]; lastScaleUpAt?: number };
  defaults: WorkerObjectsInput['defaults'];
  now: number;
  pollMs: number;
}

export interface PoolEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface PoolPlan {
  /**
   * Owned objects to write: those whose applied hash differs, or drifted. `create`: none of ours
   * exists, so it is created (not applied: an apply would adopt someone else's object of that name).
   */
  apply: { manifest: KubeManifest; create: boolean }[];
  /** Names of owned objects to delete (a PDB once the pool is down to one replica). */
  delete: { apiVersion: string; plural: string; name: string }[];
  /** Undefined when the pool is blocked (nothing is scaled either). */
  decision?: ScaleDecision;
  status: Omit<WorkerPoolStatus, 'conditions' | 'observedGeneration'>;
  conditions: ConditionInput[];
  events: PoolEvent[];
  requeueAfterMs?: number;
}

const hashOf = (m: KubeManifest): string => createHash('sha256').update(JSON.stringify(m)).digest('hex');

/** The manifest with the hash of its content as an annotation (what apply compares next time). */
function stamped(m: KubeManifest): { manifest: KubeManifest; hash: string } {
  const hash = hashOf(m);
  const annotations = { ...((m.metadata.annotations as Record<string, string> | undefined) ?? {}) };
  annotations[APPLIED_HASH] = hash;
  return { manifest: { ...m, metadata: { ...m.metadata, annotations } }, hash };
}

/** Why nothing of the pool may run, if something forbids it (the operator's and `procos up`'s rule). */
export function poolBlocker(
  f: Pick<PoolFacts, 'pool' | 'policy' | 'handlerProblems' | 'missingSecrets'>,
): { reason: BlockingReason; message: string } | undefined {
  const p = f.policy;
  if (p.state === 'missing')
    return {
      reason: 'PolicyNotFound',
      message: `SandboxPolicy '${p.name}' does not exist in namespace '${f.pool.metadata.namespace}'`,
    };
  if (p.state === 'invalid') return { reason: 'InvalidSandboxPolicy', message: p.message };
  if (p.state === 'found' && p.disallowed.length)
    return {
      reason: 'TaskTypeNotAllowed',
      message:
        `task type(s) ${p.disallowed.join(', ')} not allowed by SandboxPolicy '${p.name}' ` +
        `(allowedTaskTypes: ${p.spec.allowedTaskTypes.join(', ')})`,
    };
  if (f.handlerProblems.length)
    return { reason: 'InvalidHandlerConfig', message: f.handlerProblems.slice(0, 10).join('; ') };
  if (f.missingSecrets.length)
    return {
      reason: 'SecretNotFound',
      message: `Secret(s) ${f.missingSecrets.join(', ')} in spec.secretRefs do not exist in namespace '${f.pool.metadata.namespace}'`,
    };
  return undefined;
}

/** A pool that is not rolled out: not Ready, not progressing, degraded, not scaling — all for one reason. */
export function blockedConditions(reason: string, message: string): ConditionInput[] {
  const cond = (type: string, status: 'True' | 'False'): ConditionInput => ({ type, status, reason, message });
  return [cond('Ready', 'False'), cond('Progressing', 'False'), cond('Degraded', 'True'), cond('Scaling', 'False')];
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function observedCounts(d: DeploymentState | undefined): { replicas: number; readyReplicas: number } {
  return { replicas: d?.status.replicas ?? 0, readyReplicas: d?.status.readyReplicas ?? 0 };
}

export function planPool(f: PoolFacts): PoolPlan {
  const { pool } = f;
  const selector = Object.entries(poolSelector(pool.metadata.name))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const backlogStatus = f.backlog.ok
    ? {
        backlog: f.backlog.reading.total,
        backlogByType: Object.entries(f.backlog.reading.byType).map(([taskType, backlog]) => ({ taskType, backlog })),
      }
    : {};
  const kept = {
    ...(pool.status?.lastScaleTime ? { lastScaleTime: pool.status.lastScaleTime } : {}),
    ...(pool.status?.lastScaleUpTime ? { lastScaleUpTime: pool.status.lastScaleUpTime } : {}),
  };
  const dep = f.owned.deployment;

  const blocked = poolBlocker(f);
  if (blocked) {
    return {
      apply: [],
      delete: [],
      status: {
        ...observedCounts(dep),
        desiredReplicas: dep?.specReplicas ?? 0,
        ...backlogStatus,
        selector,
        ...(pool.status?.isolation ? { isolation: pool.status.isolation } : {}),
        ...kept,
      },
      conditions: blockedConditions(blocked.reason, blocked.message),
      events: [],
    };
  }

  const policy = f.policy.state === 'found' ? { metadata: { name: f.policy.name }, spec: f.policy.spec } : undefined;
  const scaling = pool.spec.scaling;
  const current = dep?.specReplicas ?? pool.spec.replicas ?? scaling.min;
  const annotations = poolAnnotations(pool.metadata.annotations);
  const decision = decideReplicas({
    scaling,
    fixedReplicas: pool.spec.replicas,
    paused: annotations.scalingPaused,
    current,
    backlog: f.backlog.ok ? f.backlog.reading.total : undefined,
    now: f.now,
    lastScaleUpAt: f.scaler.lastScaleUpAt,
    history: f.scaler.history,
  });
  const objects = workerObjects({
    pool,
    policy,
    replicas: decision.replicas,
    restartedAt: annotations.restartedAt,
    defaults: f.defaults,
  });

  const apply: PoolPlan['apply'] = [];
  const events: PoolEvent[] = [];
  const optional = Object.keys(OPTIONAL_OBJECTS) as OptionalObject[];
  // Identity, RBAC and credentials first: the Deployment's pods name the ServiceAccount and the Secret.
  const wanted: [KubeManifest, string | undefined][] = [
    [objects.configMap, f.owned.configMap],
    [objects.networkPolicy, f.owned.networkPolicy],
    ...optional.flatMap((k): [KubeManifest, string | undefined][] => {
      const m = objects[k];
      return m ? [[m, f.owned[k]]] : [];
    }),
  ];
  let networkPolicyApplied = false;
  for (const [m, liveHash] of wanted) {
    const s = stamped(m);
    if (s.hash === liveHash) continue;
    apply.push({ manifest: s.manifest, create: liveHash === undefined });
    if (m === objects.networkPolicy) networkPolicyApplied = true;
  }
  const deployment = stamped(objects.deployment);
  // A replica count changed by someone else (kubectl scale on the Deployment) is put back too.
  const deploymentChanged = deployment.hash !== dep?.appliedHash || dep.specReplicas !== decision.replicas;
  if (deploymentChanged) apply.push({ manifest: deployment.manifest, create: dep === undefined });
  if (deploymentChanged && objects.cappedResources.length)
    events.push({
      type: 'Warning',
      reason: 'ResourcesCapped',
      message: `capped by SandboxPolicy '${f.policy.state === 'found' ? f.policy.name : ''}': ${objects.cappedResources.join(', ')}`,
    });
  if (objects.networkNote && networkPolicyApplied)
    events.push({ type: 'Warning', reason: 'NetworkPolicyWidened', message: objects.networkNote });
  const names = optionalObjectNames(pool.metadata.name);
  const del = optional
    .filter((k) => !objects[k] && f.owned[k] !== undefined)
    .map((k) => ({ ...OPTIONAL_OBJECTS[k], name: names[k] }));

  const scaled = (decision.reason === 'ScaledUp' || decision.reason === 'ScaledDown') && decision.replicas !== current;
  const times = { ...kept };
  if (scaled) {
    times.lastScaleTime = iso(f.now);
    if (decision.reason === 'ScaledUp') times.lastScaleUpTime = iso(f.now);
    const backlog = f.backlog.ok ? f.backlog.reading.total : 0;
    const per = scaling.targetBacklogPerReplica;
    events.push({
      type: 'Normal',
      reason: decision.reason,
      message:
        decision.reason === 'ScaledUp'
          ? `backlog ${backlog} > ${per} per replica: ${current} → ${decision.replicas}`
          : `backlog ${backlog} at ${per} per replica: ${current} → ${decision.replicas}`,
    });
  }

  const rollout = rolloutState(dep, deploymentChanged ? undefined : deployment.hash, decision, f.pods);
  // Fixed or paused, the scaler stands aside and needs no backlog reading.
  const standsAside = decision.reason === 'Fixed' || decision.reason === 'Paused';
  const scalingCondition: ConditionInput =
    standsAside || decision.reason === 'BacklogUnavailable'
      ? {
          type: 'Scaling',
          status: 'False',
          reason: decision.reason,
          message: f.backlog.ok || standsAside ? decision.message : f.backlog.message,
        }
      : // Messages that count down (a cooldown's seconds) would rewrite status every loop.
        { type: 'Scaling', status: 'True', reason: decision.reason, message: stableMessage(decision) };
  const degraded: ConditionInput = rollout.problem
    ? { type: 'Degraded', status: 'True', reason: rollout.problem.reason, message: rollout.problem.message }
    : !f.backlog.ok && !standsAside
      ? { type: 'Degraded', status: 'True', reason: 'BacklogUnavailable', message: f.backlog.message }
      : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'no problem seen' };

  return {
    apply,
    delete: del,
    decision,
    status: {
      ...observedCounts(dep),
      desiredReplicas: decision.replicas,
      ...backlogStatus,
      selector,
      isolation: objects.isolation satisfies ScriptIsolation,
      ...times,
    },
    conditions: [rollout.ready, rollout.progressing, degraded, scalingCondition],
    events,
    requeueAfterMs: nextLook(f, decision),
  };
}

function stableMessage(d: ScaleDecision): string {
  return d.reason === 'UpCooldown'
    ? d.message.replace(/, scale-up cooldown ends in \d+ s$/, ', in scale-up cooldown')
    : d.message;
}

/** Backlog-driven pools look again each poll (or when a cooldown or window ends, if sooner). */
function nextLook(f: PoolFacts, d: ScaleDecision): number | undefined {
  if (d.reason === 'Fixed' || d.reason === 'Paused') return undefined;
  return Math.max(1000, Math.min(f.pollMs, d.recheckAfterMs ?? Infinity));
}

interface Rollout {
  ready: ConditionInput;
  progressing: ConditionInput;
  problem?: PodProblem;
}

/** Where the Deployment is: rolled out to the wanted template and size, on its way, or stuck. */
function rolloutState(
  dep: DeploymentState | undefined,
  appliedHash: string | undefined,
  decision: ScaleDecision,
  pods: PodProblem[],
): Rollout {
  const desired = decision.replicas;
  const s = dep?.status ?? {};
  const done =
    dep !== undefined &&
    appliedHash !== undefined &&
    dep.appliedHash === appliedHash &&
    (s.observedGeneration ?? 0) >= (dep.generation ?? 0) &&
    (s.updatedReplicas ?? 0) === desired &&
    (s.replicas ?? 0) === desired &&
    (s.readyReplicas ?? 0) >= desired;
  if (done)
    return {
      ready:
        desired === 0
          ? {
              type: 'Ready',
              status: 'True',
              reason: 'Idle',
              message: idleMessage(decision),
            }
          : { type: 'Ready', status: 'True', reason: 'Available', message: `${desired}/${desired} workers ready` },
      progressing: { type: 'Progressing', status: 'False', reason: 'Complete', message: 'the workers are rolled out' },
    };
  const problem = pods[0];
  // Scaling down, more workers run (and are ready) than wanted: "5/1 ready" would read as a bug.
  // (During a rolling update there are more pods too, the surge: not all of them updated yet.)
  const progress =
    (s.replicas ?? 0) > desired && (s.updatedReplicas ?? 0) >= (s.replicas ?? 0)
      ? `scaling down to ${desired}: ${s.replicas ?? 0} workers, ${s.readyReplicas ?? 0} ready`
      : `${s.readyReplicas ?? 0}/${desired} workers ready, ${s.updatedReplicas ?? 0} updated`;
  if (problem) {
    const message = `${problem.message} (pod ${problem.pod}; ${progress})`;
    return {
      ready: { type: 'Ready', status: 'False', reason: problem.reason, message },
      progressing: { type: 'Progressing', status: 'False', reason: problem.reason, message },
      problem: { ...problem, message },
    };
  }
  return {
    ready: { type: 'Ready', status: 'False', reason: 'RollingOut', message: progress },
    progressing: { type: 'Progressing', status: 'True', reason: 'RollingOut', message: progress },
  };
}

/** Why a pool has no workers, and whether it gets some when jobs wait. */
function idleMessage(d: ScaleDecision): string {
  if (d.reason === 'Fixed') return 'scaled to zero: spec.replicas is 0';
  if (d.reason === 'Paused') return 'scaled to zero, and scaling is paused: no worker starts until it is resumed';
  return 'scaled to zero; the pool scales up when jobs of its types wait';
}
