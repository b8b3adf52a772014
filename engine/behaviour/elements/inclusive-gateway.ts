// Inclusive gateway. Forks along every outgoing flow whose condition is true (the default flow
// when none is; neither is a CONDITION_ERROR incident). Joins as Zeebe does: when a token
// arrives, the gateway activates once every incoming flow has brought one, or once no active
// element or waiting token of the scope has a path to it any more — paths through incoming
// flows that already brought their token do not count. Like Zeebe, it looks again only when a
// token arrives.
import { evaluateFeel } from '../../../lib/feel/index.js';
import type { FlowNode, ProcessModel } from '../../../lib/bpmn/index.js';
import type { ElementInstance } from '../../state/engine-state.js';
import type { ElementBehaviour } from '../element-behaviour.js';
import type { Flow } from '../flow.js';
import { visibleVariables } from '../variables.js';
import { completeAtOnce } from './complete-at-once.js';

function chooseFlows(flow: Flow, el: ElementInstance, node: FlowNode): string[] | undefined {
  if (node.outgoing.length === 0) return [];
  const model = flow.processOf(el).model;
  const conditional = node.outgoing.filter((f) => f !== node.defaultFlow);
  if (node.outgoing.length === 1 && model.flows.get(node.outgoing[0] ?? '')?.condition === undefined)
    return node.outgoing;
  // In the gateway's own scope: it sees what its start listeners set.
  const vars = visibleVariables(flow.tx, el.key);
  const chosen: string[] = [];
  for (const flowId of conditional) {
    const condition = model.flows.get(flowId)?.condition;
    if (condition === undefined) continue;
    const r = evaluateFeel(condition, vars);
    if (!r.ok) {
      flow.incident(el, 'CONDITION_ERROR', r.error);
      return undefined;
    }
    if (r.value === true) chosen.push(flowId);
    else if (r.value !== false && r.value !== null) {
      flow.incident(
        el,
        'CONDITION_ERROR',
        `expected condition '${condition}' of flow '${flowId}' to be boolean, but was ${JSON.stringify(r.value)}`,
      );
      return undefined;
    }
  }
  if (chosen.length) return chosen;
  if (node.defaultFlow) return [node.defaultFlow];
  flow.incident(
    el,
    'CONDITION_ERROR',
    'Expected at least one condition to evaluate to true, or to have a default flow',
  );
  return undefined;
}

/** Whether a token at `fromId` could still reach the gateway, not through a flow that already brought one. */
function canReach(model: ProcessModel, fromId: string, gateway: FlowNode, taken: Set<string>): boolean {
  const visited = new Set<string>();
  const queue = [fromId];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (id === gateway.id) return true;
    if (visited.has(id)) continue;
    visited.add(id);
    const node = model.elements.get(id);
    if (!node) continue;
    if (node.linkTarget) queue.push(node.linkTarget);
    for (const f of node.outgoing) {
      const target = model.flows.get(f)?.target;
      if (target && !taken.has(f)) queue.push(target);
    }
    queue.push(...(model.boundaryEvents.get(id) ?? []));
  }
  return false;
}

function joinReady(flow: Flow, scope: ElementInstance, node: FlowNode): string[] | undefined {
  const taken = node.incoming.filter((f) => (scope.waitingTokens.get(f) ?? 0) > 0);
  if (taken.length === 0) return undefined;
  if (taken.length === node.incoming.length) return taken;
  const model = flow.processOf(scope).model;
  const takenSet = new Set(taken);
  const { elements } = flow.state;
  const activeIds = [...scope.activeChildren].map((k) => elements.get(k)?.elementId);
  const waitingAt = [...scope.waitingTokens.keys()].map((f) => model.flows.get(f)?.target);
  const stillComing = [...activeIds, ...waitingAt].some(
    (id) => id !== undefined && id !== node.id && canReach(model, id, node, takenSet),
  );
  return stillComing ? undefined : taken;
}

export const inclusiveGateway: ElementBehaviour = {
  activate: completeAtOnce.activate,
  outgoing: chooseFlows,
  joins: (node) => node.incoming.length > 1,
  joinReady,
};
