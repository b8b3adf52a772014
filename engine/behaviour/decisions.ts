// DMN decisions: evaluated by EvaluateDecision and by business rule tasks with zeebe:calledDecision.
import { evaluateExpression } from '../../lib/feel/index.js';
import { evaluateDecision, type DecisionResult } from '../../lib/dmn/index.js';
import type { FlowNode } from '../../lib/bpmn/index.js';
import type { DeployedDecision, ElementInstance, EngineState } from '../state/engine-state.js';
import type { Flow } from './flow.js';
import { visibleVariables } from './variables.js';

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

export function activateBusinessRuleTask(flow: Flow, el: ElementInstance, node: FlowNode): void {
  const called = node.calledDecision;
  if (!called) throw new Error(`${node.id} calls no decision`);
  const vars = visibleVariables(flow.tx, el.key);
  const id = evaluateExpression(called.decisionId, vars);
  if (!id.ok) return flow.incident(el, 'EXTRACT_VALUE_ERROR', id.error);
  const s = flow.tx.state;
  const decision = typeof id.value === 'string' ? s.latestOf(s.decisionVersions, s.decisions, id.value) : undefined;
  if (!decision)
    return flow.incident(
      el,
      'CALLED_DECISION_ERROR',
      `Expected to evaluate decision '${String(id.value)}', but no decision found for id '${String(id.value)}'`,
    );
  const result = evaluateDeployed(s, decision, vars);
  if (!result.ok)
    return flow.incident(
      el,
      'DECISION_EVALUATION_ERROR',
      `Expected to evaluate decision '${decision.decisionId}', but ${result.failureMessage}`,
    );
  flow.tx.emit({ type: 'DECISION_EVALUATED', key: flow.tx.nextKey(), decisionKey: decision.key });
  flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
  flow.completeElement(el.key, { [called.resultVariable]: result.output });
}
