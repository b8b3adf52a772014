// Token movement through a process: activate → (wait) → complete → take flows, and scope
// completion. Element-specific waiting (jobs, messages, timers) lives in the other behaviour
// files; this file decides what happens next.
import { evaluateExpression, evaluateFeel } from '../../lib/feel/index.js';
import type { FlowNode, ProcessModel } from '../../lib/bpmn/index.js';
import type { DeployedProcess, ElementInstance } from '../state/engine-state.js';
import type { IncidentErrorType } from '../state/events.js';
import type { Transaction } from '../processor/transaction.js';
import { evaluateMappings, propagate, setLocal, visibleVariables } from './variables.js';
import { closeEventTriggers, openBoundaryTriggers, openCatchTrigger, openGatewayTriggers } from './event-triggers.js';
import { activateCallActivity, childResult } from './call-activity.js';
import { broadcastSignal } from './signals.js';
import { activateBusinessRuleTask } from './decisions.js';
import { activateScriptTask } from './script-task.js';
import { catchByErrorEventSubprocess, openEventSubprocessTriggers } from './event-subprocess.js';
import { activateBody, bodyResult, collectInnerResult, continueAfterInner, isInnerInstance } from './multi-instance.js';

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

  createProcessInstance(
    process: DeployedProcess,
    variables: Record<string, unknown>,
    startElementIds: string[],
    parentElementInstanceKey?: number,
  ): number {
    const key = this.tx.nextKey();
    this.tx.emit({
      type: 'ELEMENT_ACTIVATING',
      key,
      elementId: process.bpmnProcessId,
      kind: 'process',
      flowScopeKey: -1,
      processInstanceKey: key,
      processDefinitionKey: process.key,
      parentElementInstanceKey,
    });
    for (const [name, value] of Object.entries(variables)) setLocal(this.tx, key, name, value);
    this.tx.emit({ type: 'ELEMENT_ACTIVATED', key });
    const root = this.state.elements.get(key);
    if (root) openEventSubprocessTriggers(this, root);
    for (const id of startElementIds) this.beginActivation(process.model, id, key);
    this.run();
    return key;
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

  /** Input mappings, then the element's own activation. Re-run when an incident is resolved. */
  continueActivation(key: number): void {
    const el = this.state.elements.get(key);
    if (!el || el.state !== 'ACTIVATING') return;
    const node = this.nodeOf(el);
    if (el.kind === 'multiInstanceBody') return activateBody(this, el, node);
    if (node.inputs.length) {
      // Inner instances of a multi-instance body see their item (and loopCounter) in mappings.
      const scope = isInnerInstance(this, el) ? el.key : el.flowScopeKey;
      const mapped = evaluateMappings(node.inputs, visibleVariables(this.tx, scope));
      if (!mapped.ok) return this.incident(el, 'IO_MAPPING_ERROR', mapped.error);
      for (const [name, value] of Object.entries(mapped.result)) setLocal(this.tx, key, name, value);
    }
    switch (node.kind) {
      case 'serviceTask':
        return this.activateServiceTask(el, node);
      case 'intermediateCatchEvent': {
        const arrived = this.eventVariables.get(key);
        if (arrived) {
          // Reached through an event-based gateway: its event has already happened.
          this.eventVariables.delete(key);
          this.tx.emit({ type: 'ELEMENT_ACTIVATED', key });
          return this.completeElement(key, arrived);
        }
        if (!openCatchTrigger(this, el, node)) return;
        this.tx.emit({ type: 'ELEMENT_ACTIVATED', key });
        return;
      }
      case 'eventBasedGateway':
        if (!openGatewayTriggers(this, el, node)) return;
        this.tx.emit({ type: 'ELEMENT_ACTIVATED', key });
        return;
      case 'callActivity':
        return activateCallActivity(this, el, node);
      case 'businessRuleTask':
        return activateBusinessRuleTask(this, el, node);
      case 'scriptTask':
        return activateScriptTask(this, el, node);
      case 'subProcess': {
        this.tx.emit({ type: 'ELEMENT_ACTIVATED', key });
        openBoundaryTriggers(this, el, node);
        openEventSubprocessTriggers(this, el);
        const model = this.processOf(el).model;
        const starts = model.startEvents.get(node.id) ?? [];
        // An event subprocess starts at its (only) start event, with the event's variables.
        const start = node.triggeredByEvent
          ? starts[0]
          : starts.find((id) => model.elements.get(id)?.event.kind === 'none');
        const arrived = this.eventVariables.get(key);
        this.eventVariables.delete(key);
        if (this.scopeOnly.delete(key)) return;
        if (start) this.beginActivation(model, start, key, node.triggeredByEvent ? arrived : undefined);
        return;
      }
      default:
        this.tx.emit({ type: 'ELEMENT_ACTIVATED', key });
        if (node.event.kind === 'signal' && (node.kind === 'endEvent' || node.kind === 'intermediateThrowEvent')) {
          const signal = node.event.signalName;
          const name = signal.kind === 'static' ? signal.value : '';
          this.agenda.push(() => broadcastSignal(this, name, {}));
        }
        if (node.kind === 'endEvent' && node.event.kind === 'error') {
          this.agenda.push(() =>
            this.throwErrorFrom(el, node.event.kind === 'error' ? (node.event.errorCode ?? '') : '', '', {}),
          );
          return;
        }
        this.completeElement(key, this.eventVariables.get(key));
        this.eventVariables.delete(key);
    }
  }

  private activateServiceTask(el: ElementInstance, node: FlowNode): void {
    const job = node.job;
    if (!job) throw new Error(`${node.id} has no job definition`);
    const vars = visibleVariables(this.tx, el.key);
    const type = evaluateExpression(job.type, vars);
    if (!type.ok) return this.incident(el, 'EXTRACT_VALUE_ERROR', type.error);
    if (typeof type.value !== 'string' || type.value === '') {
      return this.incident(
        el,
        'EXTRACT_VALUE_ERROR',
        `expected job type to be a non-empty string, but was ${JSON.stringify(type.value)}`,
      );
    }
    const retries = evaluateExpression(job.retries, vars);
    if (!retries.ok) return this.incident(el, 'EXTRACT_VALUE_ERROR', retries.error);
    const retryCount = Number(retries.value);
    if (!Number.isInteger(retryCount)) {
      return this.incident(
        el,
        'EXTRACT_VALUE_ERROR',
        `expected retries to be an integer, but was ${JSON.stringify(retries.value)}`,
      );
    }
    this.tx.emit({ type: 'ELEMENT_ACTIVATED', key: el.key });
    openBoundaryTriggers(this, el, node);
    const process = this.processOf(el);
    this.tx.emit({
      type: 'JOB_CREATED',
      key: this.tx.nextKey(),
      jobType: type.value,
      retries: retryCount,
      customHeaders: job.headers,
      elementInstanceKey: el.key,
      elementId: el.elementId,
      processInstanceKey: el.processInstanceKey,
      processDefinitionKey: el.processDefinitionKey,
      bpmnProcessId: process.bpmnProcessId,
      version: process.version,
      createdAt: this.tx.now,
    });
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
    if (el.kind === 'process') return this.completeProcess(el);
    const node = this.nodeOf(el);
    if (el.kind === 'multiInstanceBody') return this.leave(el, node, node.outgoing, bodyResult(this, el, node));
    if (node.outputs.length) {
      const mapped = evaluateMappings(node.outputs, visibleVariables(this.tx, key));
      if (!mapped.ok) return this.incident(el, 'IO_MAPPING_ERROR', mapped.error);
      propagate(this.tx, el.flowScopeKey, mapped.result);
    }
    if (isInnerInstance(this, el)) {
      if (!collectInnerResult(this, el, node)) return;
      const innerVars = visibleVariables(this.tx, key);
      closeEventTriggers(this, key);
      this.tx.emit({ type: 'ELEMENT_COMPLETED', key });
      return continueAfterInner(this, el.flowScopeKey, innerVars);
    }
    const outgoing = this.chooseOutgoing(el, node);
    if (outgoing === undefined) return; // incident raised
    this.leave(el, node, outgoing, {});
  }

  /** Completes the element and moves its token on along `outgoing`. */
  private leave(el: ElementInstance, node: FlowNode, outgoing: string[], toFlowScope: Record<string, unknown>): void {
    if (Object.keys(toFlowScope).length) propagate(this.tx, el.flowScopeKey, toFlowScope);
    closeEventTriggers(this, el.key);
    this.tx.emit({ type: 'ELEMENT_COMPLETED', key: el.key });
    const model = this.processOf(el).model;
    for (const flowId of outgoing) this.takeFlow(model, flowId, el.flowScopeKey);
    if (node.kind === 'endEvent' && node.event.kind === 'terminate')
      return this.terminateScopeChildren(el.flowScopeKey, true);
    this.checkScopeCompletion(el.flowScopeKey);
  }

  private chooseOutgoing(el: ElementInstance, node: FlowNode): string[] | undefined {
    if (node.kind !== 'exclusiveGateway' || node.outgoing.length <= 1) return node.outgoing;
    const model = this.processOf(el).model;
    const vars = visibleVariables(this.tx, el.flowScopeKey);
    for (const flowId of node.outgoing) {
      if (flowId === node.defaultFlow) continue;
      const condition = model.flows.get(flowId)?.condition;
      if (condition === undefined) continue;
      const r = evaluateFeel(condition, vars);
      if (!r.ok) return this.conditionIncident(el, r.error);
      if (r.value === true) return [flowId];
      if (r.value !== false && r.value !== null) {
        return this.conditionIncident(
          el,
          `expected condition '${condition}' of flow '${flowId}' to be boolean, but was ${JSON.stringify(r.value)}`,
        );
      }
    }
    if (node.defaultFlow) return [node.defaultFlow];
    return this.conditionIncident(
      el,
      `no outgoing sequence flow of gateway '${node.id}' has a true condition, and it has no default flow`,
    );
  }

  private conditionIncident(el: ElementInstance, message: string): undefined {
    this.incident(el, 'CONDITION_ERROR', message);
    return undefined;
  }

  takeFlow(model: ProcessModel, flowId: string, flowScopeKey: number): void {
    const flow = model.flows.get(flowId);
    const target = flow ? model.elements.get(flow.target) : undefined;
    if (!flow || !target) throw new Error(`flow ${flowId} has no target`);
    const join = target.kind === 'parallelGateway' && target.incoming.length > 1;
    this.tx.emit({ type: 'FLOW_TAKEN', flowScopeKey, flowId, join });
    if (!join) {
      this.beginActivation(model, target.id, flowScopeKey);
      return;
    }
    const scope = this.state.elements.get(flowScopeKey);
    if (scope && target.incoming.every((f) => (scope.waitingTokens.get(f) ?? 0) > 0)) {
      this.tx.emit({ type: 'JOIN_CONSUMED', flowScopeKey, flowIds: target.incoming });
      this.beginActivation(model, target.id, flowScopeKey);
    }
  }

  checkScopeCompletion(scopeKey: number): void {
    const scope = this.state.elements.get(scopeKey);
    if (!scope || scope.state !== 'ACTIVATED') return;
    if (scope.activeChildren.size > 0 || scope.waitingTokens.size > 0) return;
    if (scope.kind === 'process') {
      this.tx.emit({ type: 'ELEMENT_COMPLETING', key: scopeKey });
      this.completeProcess(scope);
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

  /** The next scope an error travels to: the flow scope, or from a child instance to its call activity. */
  private errorScopeAbove(el: ElementInstance): ElementInstance | undefined {
    const next = el.kind === 'process' ? el.parentElementInstanceKey : el.flowScopeKey;
    return next === undefined ? undefined : this.state.elements.get(next);
  }

  /**
   * Error events (C23): from the throwing element upward, the first boundary error event
   * whose code matches (a specific code beats a catch-all) interrupts that activity.
   */
  throwErrorFrom(
    source: ElementInstance,
    errorCode: string,
    errorMessage: string,
    variables: Record<string, unknown>,
  ): boolean {
    for (let cur: ElementInstance | undefined = source; cur; cur = this.errorScopeAbove(cur)) {
      if (isInnerInstance(this, cur)) continue;
      if (cur !== source && (cur.kind === 'process' || cur.kind === 'subProcess')) {
        if (catchByErrorEventSubprocess(this, cur, errorCode, variables)) return true;
      }
      if (cur.kind === 'process') continue;
      const model = this.processOf(cur).model;
      const candidates = (model.boundaryEvents.get(cur.elementId) ?? [])
        .map((id) => model.elements.get(id))
        .filter((n): n is FlowNode => n?.event.kind === 'error');
      const catcher =
        candidates.find((n) => n.event.kind === 'error' && n.event.errorCode === errorCode) ??
        candidates.find((n) => n.event.kind === 'error' && !n.event.errorCode);
      if (!catcher) continue;
      const flowScopeKey = cur.flowScopeKey;
      this.terminate(cur.key);
      this.beginActivation(model, catcher.id, flowScopeKey, variables);
      this.run();
      return true;
    }
    const message = `Expected to throw an error event with the code '${errorCode}'${errorMessage ? ` with message '${errorMessage}'` : ''}, but it was not caught. No error events are available in the scope.`;
    this.incident(source, 'UNHANDLED_ERROR_EVENT', message, source.jobKey);
    return false;
  }
}
