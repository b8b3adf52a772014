// Business rule tasks with zeebe:calledDecision: the engine evaluates the latest version of the
// DMN decision itself and completes the task with the result in resultVariable.
import { evaluateExpression } from '../../../lib/feel/index.js';
import type { ElementBehaviour } from '../element-behaviour.js';
import { evaluateDeployed } from '../decisions.js';
import { visibleVariables } from '../variables.js';

export const businessRuleTask: ElementBehaviour = {
  activate(flow, el, node) {
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
  },
};
