// What a token standing on an element waits for, read from the compiled model, and whether the
// generic driver can supply it: a job it completes, a message it can publish (when the message
// name and correlation key evaluate against the instance's variables, as Zeebe evaluated them
// when it opened the subscription), a signal it can broadcast — or a timer, which a real clock
// only passes when it is short.
import {
  parseDate,
  parseDuration,
  type FlowNode,
  type ProcessModel,
  type TimerDefinition,
} from '../../lib/bpmn/index.js';
import { evaluateExpression, type Expression } from '../../lib/feel/index.js';

export type WaitTarget =
  | { kind: 'job'; type: string }
  | { kind: 'message'; name: string; correlationKey: string; elementId: string }
  | { kind: 'signal'; name: string; elementId: string }
  | { kind: 'timer'; description: string; dueAt?: number }
  /** A Camunda user task (zeebe:userTask): no job in Zeebe, completed through the REST user-task API. */
  | { kind: 'user-task'; elementId: string }
  /** Something the driver cannot supply; the description says what. */
  | { kind: 'blocked'; description: string };

export interface Leaf {
  elementId: string;
  kind: string;
  /** Epoch ms the element started (timers count from it). */
  startedAt: number;
  jobType?: string;
}

export function waitTargets(
  leaf: Leaf,
  model: ProcessModel | undefined,
  variables: Record<string, unknown>,
): WaitTarget[] {
  if (leaf.jobType) return [{ kind: 'job', type: leaf.jobType }];
  const node = model?.elements.get(leaf.elementId);
  if (!model || !node) return [{ kind: 'blocked', description: `${leaf.kind} '${leaf.elementId}'` }];
  if (node.kind === 'eventBasedGateway')
    return node.outgoing
      .map((flowId) => model.elements.get(model.flows.get(flowId)?.target ?? ''))
      .filter((n): n is FlowNode => n !== undefined)
      .flatMap((n) => eventTarget(n, leaf.startedAt, variables));
  if (node.kind === 'intermediateCatchEvent' || node.kind === 'receiveTask')
    return eventTarget(node, leaf.startedAt, variables);
  // Zeebe serves Camunda user tasks (zeebe:userTask) through its REST API, not as jobs.
  if (leaf.kind === 'userTask') return [{ kind: 'user-task', elementId: node.id }];
  return [{ kind: 'blocked', description: `${leaf.kind} '${node.id}'` }];
}

function eventTarget(node: FlowNode, startedAt: number, variables: Record<string, unknown>): WaitTarget[] {
  const event = node.event;
  switch (event.kind) {
    case 'message': {
      const name = text(event.messageName, variables);
      const key = event.correlationKey ? text(event.correlationKey, variables) : undefined;
      if (name === undefined || key === undefined)
        return [
          {
            kind: 'blocked',
            description: `message ${describe(event.messageName)} at '${node.id}' (correlation key not derivable)`,
          },
        ];
      return [{ kind: 'message', name, correlationKey: key, elementId: node.id }];
    }
    case 'signal': {
      const name = text(event.signalName, variables);
      return name === undefined
        ? [{ kind: 'blocked', description: `signal ${describe(event.signalName)} at '${node.id}'` }]
        : [{ kind: 'signal', name, elementId: node.id }];
    }
    case 'timer':
      return [timerTarget(event.timer, startedAt, variables, node.id)];
    default:
      return [{ kind: 'blocked', description: `${event.kind} ${node.kind} '${node.id}'` }];
  }
}

function timerTarget(
  timer: TimerDefinition,
  startedAt: number,
  variables: Record<string, unknown>,
  elementId: string,
): WaitTarget {
  const value = text(timer.expression, variables);
  const description = `timer ${timer.type} ${value ?? describe(timer.expression)} at '${elementId}'`;
  if (value === undefined) return { kind: 'timer', description };
  if (timer.type === 'duration') {
    const ms = parseDuration(value);
    return ms === undefined ? { kind: 'timer', description } : { kind: 'timer', description, dueAt: startedAt + ms };
  }
  if (timer.type === 'date') {
    const at = parseDate(value);
    return at === undefined ? { kind: 'timer', description } : { kind: 'timer', description, dueAt: at };
  }
  return { kind: 'timer', description };
}

/** A name or key as Zeebe uses it: a string, or a number written as one. */
function text(expr: Expression, variables: Record<string, unknown>): string | undefined {
  const r = evaluateExpression(expr, variables);
  if (!r.ok) return undefined;
  if (typeof r.value === 'string') return r.value;
  if (typeof r.value === 'number') return String(r.value);
  return undefined;
}

function describe(expr: Expression): string {
  return expr.kind === 'static' ? `'${expr.value}'` : `=${expr.source}`;
}

/** How a target reads in the outcome table. */
export function targetText(t: WaitTarget): string {
  switch (t.kind) {
    case 'job':
      return `job '${t.type}'`;
    case 'message':
      return `message '${t.name}' (key '${t.correlationKey}')`;
    case 'signal':
      return `signal '${t.name}'`;
    case 'user-task':
      return `Camunda user task '${t.elementId}'`;
    case 'timer':
    case 'blocked':
      return t.description;
  }
}
