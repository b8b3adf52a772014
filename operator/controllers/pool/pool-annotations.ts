// Annotations on a WorkerPool that the pool controller honours. They are metadata, not spec, so
// a user, `kubectl annotate` or an Argo CD resource action (gitops/argocd) can set them on a pool
// whose spec lives in Git without making it drift; the operator only reads them.

/**
 * Any value, typically a timestamp: copied to the worker pods' template, so changing it rolls
 * every worker pod (like `kubectl rollout restart`, which the operator's Deployment would undo
 * on its next apply of the template). Argo CD's `restart` action on a WorkerPool sets it.
 */
export const RESTARTED_AT = 'procos.io/restartedAt';

/**
 * "true": the built-in backlog scaler keeps the current replica count (Scaling False, reason
 * Paused) until the annotation is removed; like KEDA's autoscaling.keda.sh/paused. No effect
 * while spec.replicas is set (the scaler stands aside then anyway).
 */
export const SCALING_PAUSED = 'procos.io/scaling-paused';

/** What the plan reads of the annotations. */
export interface PoolAnnotations {
  restartedAt?: string;
  scalingPaused: boolean;
}

export function poolAnnotations(annotations: Record<string, string> | undefined): PoolAnnotations {
  const restartedAt = annotations?.[RESTARTED_AT];
  return {
    ...(restartedAt ? { restartedAt } : {}),
    scalingPaused: annotations?.[SCALING_PAUSED] === 'true',
  };
}
