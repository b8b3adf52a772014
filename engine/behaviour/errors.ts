// Error events (docs/zeebe-compatibility.md C23): from the throwing element upward — through
// subprocesses and from a called process to its call activity — the first boundary error event
// whose code matches (a specific code beats a catch-all) interrupts that activity; an error event
// subprocess of an enclosing scope catches it too. Uncaught, it is an UNHANDLED_ERROR_EVENT incident.
import type { FlowNode } from '../../lib/bpmn/index.js';
import type { ElementInstance } from '../state/engine-state.js';
import { catchByErrorEventSubprocess } from './event-subprocess.js';
import type { Flow } from './flow.js';

/** The next scope an error or escalation travels to: the flow scope, or from a called process to its call activity. */
export function scopeAbove(flow: Flow, el: ElementInstance): ElementInstance | undefined {
  const next = el.kind === 'process' ? el.parentElementInstanceKey : el.flowScopeKey;
  return next === undefined ? undefined : flow.tx.state.elements.get(next);
}

/** Throws the error from `source`; returns whether something caught it (else an incident is raised). */
export function throwError(
  flow: Flow,
  source: ElementInstance,
  errorCode: string,
  errorMessage: string,
  variables: Record<string, unknown>,
): boolean {
  for (let cur: ElementInstance | undefined = source; cur; cur = scopeAbove(flow, cur)) {
    if (flow.isInnerInstance(cur)) continue;
    if (cur !== source && (cur.kind === 'process' || cur.kind === 'subProcess')) {
      if (catchByErrorEventSubprocess(flow, cur, errorCode, variables)) return true;
    }
    if (cur.kind === 'process') continue;
    const model = flow.processOf(cur).model;
    const candidates = (model.boundaryEvents.get(cur.elementId) ?? [])
      .map((id) => model.elements.get(id))
      .filter((n): n is FlowNode => n?.event.kind === 'error');
    const catcher =
      candidates.find((n) => n.event.kind === 'error' && n.event.errorCode === errorCode) ??
      candidates.find((n) => n.event.kind === 'error' && !n.event.errorCode);
    if (!catcher) continue;
    const flowScopeKey = cur.flowScopeKey;
    flow.terminate(cur.key);
    flow.beginActivation(model, catcher.id, flowScopeKey, variables);
    flow.run();
    return true;
  }
  const message = `Expected to throw an error event with the code '${errorCode}'${errorMessage ? ` with message '${errorMessage}'` : ''}, but it was not caught. No error events are available in the scope.`;
  flow.incident(source, 'UNHANDLED_ERROR_EVENT', message, source.jobKey);
  return false;
}
