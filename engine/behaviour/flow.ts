// Token movement through a process, the lifecycle every element shares: activate (input
// mappings, then the element's own behaviour from the dispatch table in elements/) → wait →
// complete (output mappings) → take flows → scope completion; and termination and incidents.
// Behaviour modules never import each other in a cycle: what they need from one another goes
// through this class.
import type { FlowNode, ProcessModel } from '../../lib/bpmn/index.js';
import type { DeployedProcess, ElementInstance } from '../state/engine-state.js';
import type { IncidentErrorType, PendingStart } from '../state/events.js';
import type { Transaction } from '../processor/transaction.js';
import type { ElementBehaviour } from './element-behaviour.js';
import { ELEMENT_BEHAVIOURS, childResult } from './elements/index.js';
import { adHocSettled, innerSettled } from './elements/ad-hoc-sub-process.js';
import { evaluateMappings, propagate, setLocal, visibleVariables } from './variables.js';
import { closeEventTriggers } from './event-triggers.js';
import { handlerCompleted, recordCompletion } from './compensation.js';
import { awaitingListener, restartListeners } from './execution-listeners.js';
import { openEventSubprocessTriggers } from './event-subprocess.js';
import { correlateBufferedMessages } from './message-correlation.js';
import { activateBody, bodyResult, collectInnerResult, continueAfterInner } from './multi-instance.js';

function behaviourOf(node: FlowNode): ElementBehaviour {
  return ELEMENT_BEHAVIOURS[node.kind];
}

export class Flow {
  /** Activations whose behaviour still has to run, in order (keeps deep processes off the stack). */
  private readonly agenda: (() => void)[] = [];
  /** Variables an event brought (message, error) for catch events still being activated. */
  private readonly eventVariables = new Map<number, Record<string, unknown>>();
  /** Subprocess instances activated as an empty scope (instance modification): no start event. */
  readonly scopeOnly = new Set<number>();

  constructor(readonly tx: Transaction) {}

  get state() {
    return this.tx.state;
  }

  defer(step: () => void): void {
    this.agenda.push(step);
  }

  run(): void {
    for (let step = this.agenda.shift(); step; step = this.agenda.shift()) step();
  }

  processOf(el: ElementInstance): DeployedProcess {
    const p = this.state.processes.get(el.processDefinitionKey);
    if (!p) throw new Error(`no process definition ${el.processDefinitionKey}`);
    return p;
  }

  nodeOf(el: ElementInstance): FlowNode {
    const node = this.processOf(el).model.elements.get(el.elementId);
    if (!node) throw new Error(`element ${el.elementId} not in process ${el.processDefinitionKey}`);
    return node;
  }

  /**
   * Starts a process instance at `startElementIds` (the start event an event reached hands it
   * `startVariables`). With start listeners, where it starts is kept until they completed.
   */
  createProcessInstance(
    process: DeployedProcess,
    variables: Record<string, unknown>,
    startElementIds: string[],
    parentElementInstanceKey?: number,
    startVariables?: Record<string, unknown>,
  ): number {
    const key = this.tx.nextKey();
    const start = { elementIds: startElementIds, ...(startVariables ? { variables: startVariables } : {}) };
    const listens = process.model.executionListeners.some((l) => l.eventType === 'start');
    this.tx.emit({
      type: 'ELEMENT_ACTIVATING',
      key,
      elementId: process.bpmnProcessId,
      kind: 'process',
      flowScopeKey: -1,
      processInstanceKey: key,
      processDefinitionKey: process.key,
      parentElementInstanceKey,
      ...(listens ? { pendingStart: start } : {}),
    });
    for (const [name, value] of Object.entries(variables)) setLocal(this.tx, key, name, value);
    const root = this.state.elements.get(key);
    if (root && !awaitingListener(this, root, 'start')) this.activateProcess(root, start);
    this.run();
    return key;
  }

  private activateProcess(root: ElementInstance, start: PendingStart): void {
    this.tx.emit({ type: 'ELEMENT_ACTIVATED', key: root.key });
    openEventSubprocessTriggers(this, root);
    const model = this.processOf(root).model;
    for (const id of start.elementIds) this.beginActivation(model, id, root.key, start.variables);
  }

  /** Emits ELEMENT_ACTIVATING now (so the scope counts the token) and queues the behaviour. */
  beginActivation(
    model: ProcessModel,
    elementId: string,
    flowScopeKey: number,
    eventVariables?: Record<string, unknown>,
    locals?: Record<string, unknown>,
  ): number {
    const scope = this.state.elements.get(flowScopeKey);
    const node = model.elements.get(elementId);
    if (!scope || !node) throw new Error(`cannot activate ${elementId} in scope ${flowScopeKey}`);
    const key = this.tx.nextKey();
    const innerOfBody = scope.kind === 'multiInstanceBody' && scope.elementId === elementId;
    this.tx.emit({
      type: 'ELEMENT_ACTIVATING',
      key,
      elementId,
      kind: node.multiInstance && !innerOfBody ? 'multiInstanceBody' : node.kind,
      flowScopeKey,
      processInstanceKey: scope.processInstanceKey,
      processDefinitionKey: scope.processDefinitionKey,
    });
    for (const [name, value] of Object.entries(locals ?? {})) setLocal(this.tx, key, name, value);
    if (eventVariables) this.eventVariables.set(key, eventVariables);
    this.agenda.push(() => this.continueActivation(key));
    return key;
  }

  /** Input mappings, start listeners, then the element's own activation. Re-run when an incident is resolved. */
  continueActivation(key: number): void {
    const el = this.state.elements.get(key);
    if (!el || el.state !== 'ACTIVATING') return;
    restartListeners(this, el);
    if (el.kind === 'process') return this.afterStartListeners(el);
    const node = this.nodeOf(el);
    if (el.kind === 'multiInstanceBody') return activateBody(this, el, node);
    if (node.inputs.length) {
      // Inner instances of a multi-instance body see their item (and loopCounter) in mappings.
      const scope = this.isInnerInstance(el) ? el.key : el.flowScopeKey;
      const mapped = evaluateMappings(node.inputs, visibleVariables(this.tx, scope));
      if (!mapped.ok) return this.incident(el, 'IO_MAPPING_ERROR', mapped.error);
      for (const [name, value] of Object.entries(mapped.result)) setLocal(this.tx, key, name, value);
    }
    this.afterStartListeners(el);
  }

  /** Runs the next start listener, or, once they all completed, the element's own activation. */
  private afterStartListeners(el: ElementInstance): void {
    if (awaitingListener(this, el, 'start')) return;
    if (el.kind === 'process') return this.activateProcess(el, el.pendingStart ?? { elementIds: [] });
    const node = this.nodeOf(el);
    behaviourOf(node).activate(this, el, node);
  }

  /** An execution listener's job completed with `variables`: on to the next listener or step. */
  listenerCompleted(key: number, eventType: 'start' | 'end', variables: Record<string, unknown>): void {
    const el = this.state.elements.get(key);
    if (!el) return;
    if (eventType === 'start') {
      for (const [name, value] of Object.entries(variables)) setLocal(this.tx, key, name, value);
      if (el.state === 'ACTIVATING') this.afterStartListeners(el);
    } else {
      if (el.kind === 'process')
        for (const [name, value] of Object.entries(variables)) setLocal(this.tx, key, name, value);
      else if (Object.keys(variables).length) propagate(this.tx, el.flowScopeKey, variables);
      if (el.state === 'COMPLETING') this.afterEndListeners(el);
    }
    this.run();
  }

  /** Variables the event that reached this element brought (message, signal, error), once. */
  takeEventVariables(key: number): Record<string, unknown> | undefined {
    const vars = this.eventVariables.get(key);
    this.eventVariables.delete(key);
    return vars;
  }

  /** An inner instance of a multi-instance activity sits directly in the body of its own element. */
  isInnerInstance(el: ElementInstance): boolean {
    const scope = this.state.elements.get(el.flowScopeKey);
    return scope?.kind === 'multiInstanceBody' && scope.elementId === el.elementId;
  }

  /** A message subscription just opened: a buffered message may be waiting for it. */
  correlateBufferedMessages(subscriptionKey: number): void {
    correlateBufferedMessages(this, subscriptionKey);
  }

  /** Output mappings (or propagation of `variables`), then leave the element. */
  completeElement(key: number, variables: Record<string, unknown> = {}): void {
    const el = this.state.elements.get(key);
    if (!el) return;
    if (el.state !== 'COMPLETING') {
      this.tx.emit({ type: 'ELEMENT_COMPLETING', key });
      const node = this.nodeOf(el);
      if (node.outputs.length) {
        for (const [name, value] of Object.entries(variables)) setLocal(this.tx, key, name, value);
      } else if (Object.keys(variables).length) {
        propagate(this.tx, key, variables);
      }
    }
    this.continueCompletion(key);
  }

  /** Re-run when an incident on a completing element is resolved. */
  continueCompletion(key: number): void {
    const el = this.state.elements.get(key);
    if (!el || el.state !== 'COMPLETING') return;
    restartListeners(this, el);
    if (el.kind === 'process') return this.afterEndListeners(el);
    const node = this.nodeOf(el);
    if (el.kind === 'multiInstanceBody') return this.leave(el, node, node.outgoing, bodyResult(this, el, node));
    if (node.outputs.length) {
      const mapped = evaluateMappings(node.outputs, visibleVariables(this.tx, key));
      if (!mapped.ok) return this.incident(el, 'IO_MAPPING_ERROR', mapped.error);
      propagate(this.tx, el.flowScopeKey, mapped.result);
    }
    this.afterEndListeners(el);
  }

  /** Runs the next end listener, or, once they all completed, leaves the element. */
  private afterEndListeners(el: ElementInstance): void {
    if (awaitingListener(this, el, 'end')) return;
    if (el.kind === 'process') return this.completeProcess(el);
    const node = this.nodeOf(el);
    const key = el.key;
    if (this.isInnerInstance(el)) {
      if (!collectInnerResult(this, el, node)) return;
      const innerVars = visibleVariables(this.tx, key);
      closeEventTriggers(this, key);
      recordCompletion(this, el, node);
      this.tx.emit({ type: 'ELEMENT_COMPLETED', key });
      return continueAfterInner(this, el.flowScopeKey, innerVars);
    }
    const behaviour = behaviourOf(node);
    const outgoing = behaviour.outgoing ? behaviour.outgoing(this, el, node) : node.outgoing;
    if (outgoing === undefined) return; // incident raised
    this.leave(el, node, outgoing, {});
  }

  /** Completes the element and moves its token on along `outgoing`. */
  private leave(el: ElementInstance, node: FlowNode, outgoing: string[], toFlowScope: Record<string, unknown>): void {
    if (Object.keys(toFlowScope).length) propagate(this.tx, el.flowScopeKey, toFlowScope);
    closeEventTriggers(this, el.key);
    recordCompletion(this, el, node);
    this.tx.emit({ type: 'ELEMENT_COMPLETED', key: el.key });
    const model = this.processOf(el).model;
    for (const flowId of outgoing) this.takeFlow(model, flowId, el.flowScopeKey);
    const afterLeave = el.kind === 'multiInstanceBody' ? undefined : behaviourOf(node).afterLeave;
    if (afterLeave) afterLeave(this, el, node);
    else this.checkScopeCompletion(el.flowScopeKey);
    if (this.state.compensationHandlers.has(el.key)) handlerCompleted(this, el.key);
  }

  takeFlow(model: ProcessModel, flowId: string, flowScopeKey: number): void {
    const flow = model.flows.get(flowId);
    const target = flow ? model.elements.get(flow.target) : undefined;
    if (!flow || !target) throw new Error(`flow ${flowId} has no target`);
    const behaviour = behaviourOf(target);
    const join = behaviour.joins?.(target) ?? false;
    this.tx.emit({ type: 'FLOW_TAKEN', flowScopeKey, flowId, join });
    if (!join) {
      this.beginActivation(model, target.id, flowScopeKey);
      return;
    }
    // Looked at once the token's source has taken all its flows: an inclusive join must see
    // the tokens its own fork sends along the other branches.
    this.defer(() => this.tryJoin(model, target, flowScopeKey));
  }

  private tryJoin(model: ProcessModel, target: FlowNode, flowScopeKey: number): void {
    const scope = this.state.elements.get(flowScopeKey);
    if (scope?.state !== 'ACTIVATED') return;
    const consumed = behaviourOf(target).joinReady?.(this, scope, target);
    if (consumed) {
      this.tx.emit({ type: 'JOIN_CONSUMED', flowScopeKey, flowIds: consumed });
      this.beginActivation(model, target.id, flowScopeKey);
    }
  }

  checkScopeCompletion(scopeKey: number): void {
    const scope = this.state.elements.get(scopeKey);
    if (!scope || scope.state !== 'ACTIVATED') return;
    if (scope.activeChildren.size > 0 || scope.waitingTokens.size > 0) return;
    // Inside an ad-hoc subprocess, what happens next is the subprocess's to decide.
    if (scope.kind === 'adHocInner') return innerSettled(this, scope);
    if (scope.kind === 'adHocSubProcess') return adHocSettled(this, scope);
    if (scope.kind === 'process') {
      this.tx.emit({ type: 'ELEMENT_COMPLETING', key: scopeKey });
      this.afterEndListeners(scope);
    } else this.completeElement(scopeKey);
  }

  private completeProcess(el: ElementInstance): void {
    const variables = visibleVariables(this.tx, el.key);
    const caller =
      el.parentElementInstanceKey === undefined ? undefined : this.state.elements.get(el.parentElementInstanceKey);
    closeEventTriggers(this, el.key);
    this.tx.emit({ type: 'ELEMENT_COMPLETED', key: el.key });
    this.tx.completedInstances.set(el.key, variables);
    if (caller) this.completeElement(caller.key, childResult(this, caller, variables));
  }

  incident(el: ElementInstance, errorType: IncidentErrorType, errorMessage: string, jobKey?: number): void {
    this.tx.emit({
      type: 'INCIDENT_CREATED',
      key: this.tx.nextKey(),
      errorType,
      errorMessage,
      elementInstanceKey: el.key,
      elementId: el.elementId,
      processInstanceKey: el.processInstanceKey,
      jobKey,
    });
  }

  /** Terminates an element and everything inside it: jobs, triggers, incidents, children. */
  terminate(key: number): void {
    const el = this.state.elements.get(key);
    if (!el) return;
    this.tx.emit({ type: 'ELEMENT_TERMINATING', key });
    for (const child of [...el.activeChildren]) this.terminate(child);
    if (el.calledInstanceKey !== undefined) this.terminate(el.calledInstanceKey);
    if (el.jobKey !== undefined && this.state.jobs.has(el.jobKey))
      this.tx.emit({ type: 'JOB_CANCELED', key: el.jobKey });
    if (el.userTaskKey !== undefined && this.state.userTasks.has(el.userTaskKey))
      this.tx.emit({ type: 'USER_TASK_ENDED', key: el.userTaskKey, completed: false });
    closeEventTriggers(this, key);
    for (const incident of [...(this.state.incidentsByElement.get(key) ?? [])])
      this.tx.emit({ type: 'INCIDENT_RESOLVED', key: incident });
    this.tx.emit({ type: 'ELEMENT_TERMINATED', key });
  }

  /** Terminate end event: end every other token in the scope, then complete the scope. */
  terminateScopeChildren(scopeKey: number, completeScope: boolean): void {
    const scope = this.state.elements.get(scopeKey);
    if (!scope) return;
    for (const child of [...scope.activeChildren]) this.terminate(child);
    if (scope.waitingTokens.size) {
      this.tx.emit({ type: 'JOIN_CONSUMED', flowScopeKey: scopeKey, flowIds: [...scope.waitingTokens.keys()] });
    }
    if (completeScope) this.checkScopeCompletion(scopeKey);
  }
}
