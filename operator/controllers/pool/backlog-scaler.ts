// The built-in backlog scaler of a WorkerPool (issue 11), a pure function: how many worker
// replicas the pool wants now. Desired = ceil(activatable jobs / targetBacklogPerReplica),
// clamped to [min, max]. Up: at once, but not twice within scaleUpCooldownSeconds. Down: to the
// highest recommendation of the last scaleDownCooldownSeconds (the HPA's stabilization window),
// so a backlog that dips for a moment does not flap the pool. Without a backlog reading the pool
// keeps its size. spec.replicas, when set, wins (kubectl scale, HPA, KEDA own the number then);
// paused (annotation procos.io/scaling-paused), the pool keeps its size too.

import { SCALING_PAUSED } from './pool-annotations.js';

export interface ScalingSpec {
  min: number;
  max: number;
  targetBacklogPerReplica: number;
  scaleUpCooldownSeconds: number;
  scaleDownCooldownSeconds: number;
}

/** One raw recommendation, remembered for the stabilization window. */
export interface Recommendation {
  at: number;
  replicas: number;
}

export interface ScaleInput {
  scaling: ScalingSpec;
  /** spec.replicas: set by the user or another autoscaler through the scale subresource. */
  fixedReplicas?: number;
  /** Scaling paused on purpose (pool-annotations.ts): keep the current count. */
  paused?: boolean;
  /** Replicas the Deployment has now (its spec.replicas). */
  current: number;
  /** Activatable jobs of the pool's task types; undefined when no backlog source answers. */
  backlog?: number;
  now: number;
  /** When the scaler last scaled up (epoch ms), if it did. */
  lastScaleUpAt?: number;
  /** Recommendations of earlier runs (any age: the window is applied here). */
  history: readonly Recommendation[];
}

export type ScaleReason =
  'Fixed' | 'Paused' | 'BacklogUnavailable' | 'ScaledUp' | 'ScaledDown' | 'Steady' | 'UpCooldown' | 'DownStabilizing';

export interface ScaleDecision {
  replicas: number;
  reason: ScaleReason;
  /** For the Event and the condition: why this number. */
  message: string;
  /** The history to keep: this run's recommendation added, those older than the window dropped. */
  history: Recommendation[];
  /** Look again then (a cooldown or the window ends), if the decision can change by itself. */
  recheckAfterMs?: number;
}

/** ceil(backlog / target), clamped to [min, max]; a backlog of zero wants min (0 scales to zero). */
export function recommendedReplicas(scaling: ScalingSpec, backlog: number): number {
  const raw = Math.ceil(backlog / scaling.targetBacklogPerReplica);
  return Math.min(scaling.max, Math.max(scaling.min, raw));
}

export function decideReplicas(input: ScaleInput): ScaleDecision {
  const { scaling, current, backlog, now } = input;
  const windowMs = scaling.scaleDownCooldownSeconds * 1000;
  const recent = input.history.filter((r) => now - r.at < windowMs);
  if (input.fixedReplicas !== undefined)
    return {
      replicas: input.fixedReplicas,
      reason: 'Fixed',
      message: `spec.replicas is ${input.fixedReplicas}: the backlog scaler stands aside`,
      history: [],
    };
  if (input.paused)
    return {
      replicas: current,
      reason: 'Paused',
      message: `scaling is paused (annotation ${SCALING_PAUSED}): keeping ${current} replica(s)`,
      history: recent,
    };
  if (backlog === undefined)
    return {
      replicas: current,
      reason: 'BacklogUnavailable',
      message: `no backlog reading: keeping ${current} replica(s)`,
      history: recent,
    };
  const wanted = recommendedReplicas(scaling, backlog);
  const history = [...recent, { at: now, replicas: wanted }];
  const per = `backlog ${backlog}, target ${scaling.targetBacklogPerReplica} per replica`;
  if (wanted > current) {
    const readyAt = (input.lastScaleUpAt ?? -Infinity) + scaling.scaleUpCooldownSeconds * 1000;
    if (now < readyAt)
      return {
        replicas: current,
        reason: 'UpCooldown',
        message: `${per}: wants ${wanted}, scale-up cooldown ends in ${Math.ceil((readyAt - now) / 1000)} s`,
        history,
        recheckAfterMs: readyAt - now,
      };
    return { replicas: wanted, reason: 'ScaledUp', message: `${per}: ${current} → ${wanted}`, history };
  }
  if (wanted < current) {
    // The highest recommendation within the window: scale down only as far as all of it allows.
    const stabilized = Math.max(...history.map((r) => r.replicas));
    // The earliest moment the decision can change: the oldest higher recommendation ages out
    // (later ones may hold it again; a look too early costs one reconcile, one too late a flap).
    const oldest = Math.min(...history.filter((r) => r.replicas > wanted).map((r) => r.at));
    const recheck = Number.isFinite(oldest) ? oldest + windowMs - now : undefined;
    if (stabilized >= current)
      return {
        replicas: current,
        reason: 'DownStabilizing',
        message: `${per}: wants ${wanted}, holding ${current} for the ${scaling.scaleDownCooldownSeconds} s window`,
        history,
        recheckAfterMs: recheck,
      };
    return {
      replicas: stabilized,
      reason: 'ScaledDown',
      message: `${per}: ${current} → ${stabilized}`,
      history,
      recheckAfterMs: stabilized > wanted ? recheck : undefined,
    };
  }
  return { replicas: current, reason: 'Steady', message: `${per}: ${current} replica(s)`, history };
}
