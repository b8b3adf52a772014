// DMN decisions: evaluated by EvaluateDecision and by business rule tasks with zeebe:calledDecision
// (elements/business-rule-task.ts).
import { evaluateDecision, type DecisionResult } from '../../lib/dmn/index.js';
import type { DeployedDecision, EngineState } from '../state/engine-state.js';

export function evaluateDeployed(
  state: EngineState,
  decision: DeployedDecision,
  variables: Record<string, unknown>,
): DecisionResult {
  const drg = state.drgs.get(decision.drgKey);
  if (!drg)
    return {
      ok: false,
      failedDecisionId: decision.decisionId,
      failureMessage: `decision requirements of '${decision.decisionId}' are gone`,
      evaluated: [],
    };
  return evaluateDecision(drg.model, decision.decisionId, variables);
}
