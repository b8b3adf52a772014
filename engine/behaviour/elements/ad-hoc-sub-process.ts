// Ad-hoc subprocesses (Camunda 8.8). Inner elements run when activated — on entry by the
// activeElementsCollection expression, or, with a zeebe:taskDefinition, by a job worker's job
// result — each in an inner instance of its own, where its variables stay. After every inner
// flow the completion condition decides (cancelRemainingInstances ends the others at once, or
// the subprocess waits for them); without one it completes when nothing runs any more. A job
// worker gets a new job after every inner flow. The outputElement of each inner flow is
// collected into outputCollection, which reaches the flow scope when the subprocess completes.
import { evaluateExpression, evaluateFeel } from '../../../lib/feel/index.js';
import type { AdHocDefinition, FlowNode } from '../../../lib/bpmn/index.js';
import type { ElementInstance } from '../../state/engine-state.js';
import type { ElementBehaviour } from '../element-behaviour.js';
import { openEventSubprocessTriggers } from '../event-subprocess.js';
import { openBoundaryTriggers } from '../event-triggers.js';
import type { Flow } from '../flow.js';
import { createJob, evaluateJob } from '../jobs.js';
import { propagate, setLocal, visibleVariables } from '../variables.js';

/** What a job worker's job result asks of the ad-hoc subprocess (Camunda's `adHocSubProcess` result). */
export interface AdHocResult {
  activateElements: { elementId: string; variables?: Record<string, unknown> }[];
  isCompletionConditionFulfilled?: boolean;
  isCancelRemainingInstances?: boolean;
}

function definitionOf(node: FlowNode): AdHocDefinition {
  if (!node.adHoc) throw new Error(`${node.id} is not an ad-hoc subprocess`);
  return node.adHoc;
}

/** The ids the worker or the expression asked for that are not activatable inner elements. */
export function unknownElements(node: FlowNode, ids: string[]): string[] {
  const known = new Set(definitionOf(node).activatable.map((a) => a.elementId));
  return ids.filter((id) => !known.has(id));
}

/** The elements activeElementsCollection names, or undefined once an incident is raised. */
function activeElements(flow: Flow, el: ElementInstance, node: FlowNode): string[] | undefined {
  const def = definitionOf(node);
  if (!def.activeElements) return [];
  const r = evaluateExpression(def.activeElements, visibleVariables(flow.tx, el.key));
  const fail = (message: string): undefined => {
    flow.incident(el, 'EXTRACT_VALUE_ERROR', message);
    return undefined;
  };
  if (!r.ok) return fail(r.error);
  if (r.value === null) return [];
  if (!Array.isArray(r.value) || !r.value.every((v) => typeof v === 'string'))
    return fail(`Expected activeElementsCollection to be a list of strings, but was ${JSON.stringify(r.value)}`);
  const ids = r.value;
  const unknown = unknownElements(node, ids);
  if (unknown.length)
    return fail(
      `Expected to activate the elements [${unknown.join(', ')}] of the ad-hoc sub-process '${node.id}', but they are not its activatable elements (${definitionOf(
        node,
      )
        .activatable.map((a) => a.elementId)
        .join(', ')})`,
    );
  return ids;
}

export const adHocSubProcess: ElementBehaviour = {
  activate(flow, el, node) {
    const def = definitionOf(node);
    const ids = node.job ? [] : activeElements(flow, el, node);
    if (!ids) return;
    const job = node.job ? evaluateJob(flow, el, node.job) : undefined;
    if (node.job && !job) return;
    flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
    openBoundaryTriggers(flow, el, node);
    openEventSubprocessTriggers(flow, el);
    setLocal(flow.tx, el.key, 'adHocSubProcessElements', def.activatable);
    if (def.outputCollection) setLocal(flow.tx, el.key, def.outputCollection, []);
    if (job && node.job) return createJob(flow, el, job, node.job.headers);
    for (const id of ids) activateInner(flow, el, id, {});
  },
};

/** Runs one inner element in an inner instance of its own (its variables stay there). */
function activateInner(
  flow: Flow,
  adHoc: ElementInstance,
  elementId: string,
  variables: Record<string, unknown>,
): void {
  const key = flow.tx.nextKey();
  flow.tx.emit({
    type: 'ELEMENT_ACTIVATING',
    key,
    elementId: adHoc.elementId,
    kind: 'adHocInner',
    flowScopeKey: adHoc.key,
    processInstanceKey: adHoc.processInstanceKey,
    processDefinitionKey: adHoc.processDefinitionKey,
  });
  flow.tx.emit({ type: 'ELEMENT_ACTIVATED', key });
  for (const [name, value] of Object.entries(variables)) setLocal(flow.tx, key, name, value);
  flow.beginActivation(flow.processOf(adHoc).model, elementId, key);
}

/** An inner instance has nothing running any more: collect its output, then decide. */
export function innerSettled(flow: Flow, inner: ElementInstance): void {
  const adHoc = flow.state.elements.get(inner.flowScopeKey);
  if (!adHoc) return;
  const node = flow.nodeOf(adHoc);
  const def = definitionOf(node);
  if (def.outputCollection && def.outputElement) {
    const r = evaluateExpression(def.outputElement, visibleVariables(flow.tx, inner.key));
    if (!r.ok) return flow.incident(adHoc, 'EXTRACT_VALUE_ERROR', `outputElement: ${r.error}`);
    const current = flow.state.variables.get(adHoc.key)?.get(def.outputCollection);
    setLocal(flow.tx, adHoc.key, def.outputCollection, [
      ...(Array.isArray(current) ? (current as unknown[]) : []),
      r.value,
    ]);
  }
  flow.tx.emit({ type: 'ELEMENT_COMPLETING', key: inner.key });
  flow.tx.emit({ type: 'ELEMENT_COMPLETED', key: inner.key });
  adHocSettled(flow, adHoc);
}

/** An inner flow (or an event subprocess) of the ad-hoc subprocess finished. */
export function adHocSettled(flow: Flow, adHoc: ElementInstance): void {
  if (adHoc.state !== 'ACTIVATED') return;
  const node = flow.nodeOf(adHoc);
  const def = definitionOf(node);
  if (adHoc.adHocCompletionRequested) {
    if (adHoc.activeChildren.size === 0) completeAdHoc(flow, adHoc, node);
    return;
  }
  if (node.job) return recreateJob(flow, adHoc, node);
  if (def.completionCondition) {
    const r = evaluateFeel(def.completionCondition, visibleVariables(flow.tx, adHoc.key));
    if (!r.ok) return flow.incident(adHoc, 'CONDITION_ERROR', r.error);
    if (r.value === true) return requestCompletion(flow, adHoc, def.cancelRemainingInstances);
    if (r.value !== false && r.value !== null)
      return flow.incident(
        adHoc,
        'CONDITION_ERROR',
        `Expected the completionCondition of '${node.id}' to be a boolean, but was ${JSON.stringify(r.value)}`,
      );
    return;
  }
  if (adHoc.activeChildren.size === 0) completeAdHoc(flow, adHoc, node);
}

/** The worker decides again: one job at a time, so an open one is replaced. */
function recreateJob(flow: Flow, adHoc: ElementInstance, node: FlowNode): void {
  if (!node.job) return;
  if (adHoc.jobKey !== undefined && flow.state.jobs.has(adHoc.jobKey))
    flow.tx.emit({ type: 'JOB_CANCELED', key: adHoc.jobKey });
  const job = evaluateJob(flow, adHoc, node.job);
  if (job) createJob(flow, adHoc, job, node.job.headers);
}

function requestCompletion(flow: Flow, adHoc: ElementInstance, cancelRemaining: boolean): void {
  const node = flow.nodeOf(adHoc);
  if (cancelRemaining) for (const child of [...adHoc.activeChildren]) flow.terminate(child);
  if (adHoc.activeChildren.size === 0) return completeAdHoc(flow, adHoc, node);
  flow.tx.emit({ type: 'AD_HOC_COMPLETION_REQUESTED', key: adHoc.key });
}

function completeAdHoc(flow: Flow, adHoc: ElementInstance, node: FlowNode): void {
  const def = definitionOf(node);
  if (adHoc.jobKey !== undefined && flow.state.jobs.has(adHoc.jobKey))
    flow.tx.emit({ type: 'JOB_CANCELED', key: adHoc.jobKey });
  if (def.outputCollection) {
    const collected = flow.state.variables.get(adHoc.key)?.get(def.outputCollection) ?? [];
    propagate(flow.tx, adHoc.flowScopeKey, { [def.outputCollection]: collected });
  }
  flow.completeElement(adHoc.key);
}

/** The worker's job completed: its variables stay in the subprocess; its result says what runs next. */
export function adHocJobCompleted(
  flow: Flow,
  adHoc: ElementInstance,
  variables: Record<string, unknown>,
  result: AdHocResult | undefined,
): void {
  for (const [name, value] of Object.entries(variables)) setLocal(flow.tx, adHoc.key, name, value);
  if (result?.isCompletionConditionFulfilled)
    return requestCompletion(flow, adHoc, result.isCancelRemainingInstances === true);
  for (const a of result?.activateElements ?? []) activateInner(flow, adHoc, a.elementId, a.variables ?? {});
  flow.run();
}
