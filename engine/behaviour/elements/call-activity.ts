// Call activities (docs/zeebe-compatibility.md C31): start the latest version of the called process as a child
// instance; when it completes, its variables come back through the call activity.
import { evaluateExpression } from '../../../lib/feel/index.js';
import { noneStartEvent, type FlowNode } from '../../../lib/bpmn/index.js';
import type { ElementInstance } from '../../state/engine-state.js';
import type { Flow } from '../flow.js';
import type { ElementBehaviour } from '../element-behaviour.js';
import { openBoundaryTriggers } from '../event-triggers.js';
import { visibleVariables } from '../variables.js';

function activate(flow: Flow, el: ElementInstance, node: FlowNode): void {
  if (!node.calledProcessId) throw new Error(`${node.id} has no called process`);
  const id = evaluateExpression(node.calledProcessId, visibleVariables(flow.tx, el.key));
  if (!id.ok) return flow.incident(el, 'EXTRACT_VALUE_ERROR', id.error);
  if (typeof id.value !== 'string' || id.value === '') {
    return flow.incident(
      el,
      'EXTRACT_VALUE_ERROR',
      `expected processId to be a non-empty string, but was ${JSON.stringify(id.value)}`,
    );
  }
  const called = flow.tx.state.latestProcess(id.value);
  if (!called)
    return flow.incident(
      el,
      'CALLED_ELEMENT_ERROR',
      `Expected process with BPMN process id '${id.value}' to be deployed, but not found.`,
    );
  const start = noneStartEvent(called.model);
  if (!start)
    return flow.incident(
      el,
      'CALLED_ELEMENT_ERROR',
      `Expected process '${id.value}' to have a none start event, but it has none.`,
    );
  flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
  openBoundaryTriggers(flow, el, node);
  const variables =
    node.propagateAllParentVariables === false
      ? Object.fromEntries(flow.tx.state.variables.get(el.key) ?? [])
      : visibleVariables(flow.tx, el.key);
  flow.createProcessInstance(called, variables, [start.id], el.key);
}

export const callActivity: ElementBehaviour = { activate };

/** What a completed child hands back: everything, or only what output mappings take. */
export function childResult(
  flow: Flow,
  caller: ElementInstance,
  childVariables: Record<string, unknown>,
): Record<string, unknown> {
  const node = flow.nodeOf(caller);
  return node.outputs.length > 0 || node.propagateAllChildVariables !== false ? childVariables : {};
}
