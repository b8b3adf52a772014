// Exclusive gateway: the first outgoing flow (in document order) whose condition is true, else
// the default flow; none true and no default is a CONDITION_ERROR incident, as in Zeebe.
import { evaluateFeel } from '../../../lib/feel/index.js';
import type { ElementBehaviour } from '../element-behaviour.js';
import { visibleVariables } from '../variables.js';
import { completeAtOnce } from './complete-at-once.js';

export const exclusiveGateway: ElementBehaviour = {
  activate: completeAtOnce.activate,
  outgoing(flow, el, node) {
    if (node.outgoing.length <= 1) return node.outgoing;
    const model = flow.processOf(el).model;
    // In the gateway's own scope: it sees what its start listeners set.
    const vars = visibleVariables(flow.tx, el.key);
    const incident = (message: string): undefined => {
      flow.incident(el, 'CONDITION_ERROR', message);
      return undefined;
    };
    for (const flowId of node.outgoing) {
      if (flowId === node.defaultFlow) continue;
      const condition = model.flows.get(flowId)?.condition;
      if (condition === undefined) continue;
      const r = evaluateFeel(condition, vars);
      if (!r.ok) return incident(r.error);
      if (r.value === true) return [flowId];
      if (r.value !== false && r.value !== null) {
        return incident(
          `expected condition '${condition}' of flow '${flowId}' to be boolean, but was ${JSON.stringify(r.value)}`,
        );
      }
    }
    if (node.defaultFlow) return [node.defaultFlow];
    return incident(
      `no outgoing sequence flow of gateway '${node.id}' has a true condition, and it has no default flow`,
    );
  },
};
