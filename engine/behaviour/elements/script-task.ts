// Script tasks with zeebe:script: the engine evaluates the FEEL expression itself (no job) and
// completes the task with its value in resultVariable, as Zeebe does; a failing expression is an
// EXTRACT_VALUE_ERROR incident, resolvable once the variables are fixed.
import { evaluateExpression } from '../../../lib/feel/index.js';
import type { ElementBehaviour } from '../element-behaviour.js';
import { visibleVariables } from '../variables.js';

export const scriptTask: ElementBehaviour = {
  activate(flow, el, node) {
    const script = node.script;
    if (!script) throw new Error(`${node.id} has no zeebe:script`);
    const result = evaluateExpression(script.expression, visibleVariables(flow.tx, el.key));
    if (!result.ok) return flow.incident(el, 'EXTRACT_VALUE_ERROR', result.error);
    flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
    flow.completeElement(el.key, { [script.resultVariable]: result.value });
  },
};
