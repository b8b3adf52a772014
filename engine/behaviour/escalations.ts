// Escalation events (Zeebe 8.2+): an escalation thrown by an intermediate throw or end event
// travels from the thrower's flow scope upward — through subprocesses and from a called process
// to its call activity — to the first scope with a matching catch event: a boundary event on the
// scope's activity or the escalation start event of one of its event subprocesses (a specific
// code beats a catch-all). An interrupting catch ends the scope's work; a non-interrupting one
// runs alongside. Unlike an error, an escalation nobody catches is no incident: the thrower
// simply goes on.
import type { FlowNode } from '../../lib/bpmn/index.js';
import type { ElementInstance } from '../state/engine-state.js';
import { scopeAbove } from './errors.js';
import { startEventSubprocess } from './event-subprocess.js';
import type { Flow } from './flow.js';

export type EscalationOutcome = 'uncaught' | 'caught' | 'interrupted';

function codeOf(node: FlowNode): string | undefined {
  return node.event.kind === 'escalation' ? node.event.escalationCode : undefined;
}

/** The escalation catch events of one scope: boundary events of its activity and its event subprocesses' starts. */
function catchersOf(flow: Flow, scope: ElementInstance): FlowNode[] {
  const model = flow.processOf(scope).model;
  const isEscalation = (n: FlowNode | undefined): n is FlowNode => n?.event.kind === 'escalation';
  const boundaries =
    scope.kind === 'process' || flow.isInnerInstance(scope)
      ? []
      : (model.boundaryEvents.get(scope.elementId) ?? []).map((id) => model.elements.get(id)).filter(isEscalation);
  const scopeId = scope.kind === 'process' ? model.id : scope.elementId;
  const starts =
    scope.kind === 'process' || scope.kind === 'subProcess'
      ? (model.eventSubprocesses.get(scopeId) ?? [])
          .map((esp) => model.elements.get(model.startEvents.get(esp)?.[0] ?? ''))
          .filter(isEscalation)
      : [];
  return [...boundaries, ...starts];
}

export function throwEscalation(flow: Flow, source: ElementInstance, escalationCode: string): EscalationOutcome {
  for (let scope = scopeAbove(flow, source); scope; scope = scopeAbove(flow, scope)) {
    if (scope.state !== 'ACTIVATED') return 'uncaught'; // the scope is already ending
    const catchers = catchersOf(flow, scope);
    const catcher = catchers.find((c) => codeOf(c) === escalationCode) ?? catchers.find((c) => codeOf(c) === undefined);
    if (!catcher) continue;
    const model = flow.processOf(scope).model;
    if (catcher.kind === 'startEvent') {
      const interrupting = catcher.interrupting !== false;
      const esp = model.elements.get(catcher.scopeId);
      if (esp) startEventSubprocess(flow, scope, esp, interrupting, {});
      return interrupting ? 'interrupted' : 'caught';
    }
    const interrupting = catcher.cancelActivity !== false;
    const flowScopeKey = scope.flowScopeKey;
    if (interrupting) flow.terminate(scope.key);
    flow.beginActivation(model, catcher.id, flowScopeKey);
    flow.run();
    return interrupting ? 'interrupted' : 'caught';
  }
  return 'uncaught';
}
