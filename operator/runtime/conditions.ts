// metav1.Condition bookkeeping: lastTransitionTime changes only when the status does.
import type { Condition } from '../api/meta.js';

// The type is the CRD's own schema (operator/api), so what we build is what the apiserver takes.
export type { Condition };

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

export function mergeConditions(
  existing: Condition[] | undefined,
  wanted: ConditionInput[],
  generation: number,
  now: Date,
): Condition[] {
  return wanted.map((w) => {
    const old = existing?.find((c) => c.type === w.type);
    const lastTransitionTime =
      old && old.status === w.status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { ...w, observedGeneration: generation, lastTransitionTime };
  });
}

export function conditionOf(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
