// ModifyProcessInstance, as Zeebe does it: activate elements (creating missing flow scopes,
// with variables for the instance or a scope) and terminate element instances, in one
// command; a flow scope left with no active element is terminated too, up to the process
// instance. Everything is validated before anything changes (a rejection changes nothing).
import type { FlowNode, ProcessModel } from '../../lib/bpmn/index.js';
import { scopeChain, setLocal } from '../behaviour/variables.js';
import type { Flow } from '../behaviour/flow.js';
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import type { ElementInstance, EngineState } from '../state/engine-state.js';
import { parseVariablesDocument } from './variables-document.js';

const INTENT = 'MODIFY';

export interface ActivateInstruction {
  elementId: string;
  /** An instance of one of the element's flow scopes to activate it in; <= 0: find (or create) it. */
  ancestorElementInstanceKey: number;
  variableInstructions: { scopeId: string; variables: string }[];
}

export interface ModifyRequest {
  processInstanceKey: number;
  activateInstructions: ActivateInstruction[];
  terminateInstructions: number[];
}

export function modifyProcessInstance(engine: Engine, r: ModifyRequest): void {
  const { state } = engine;
  const root = state.elements.get(r.processInstanceKey);
  if (!root || root.kind !== 'process')
    throw new Rejection(
      INTENT,
      'NOT_FOUND',
      `Expected to modify process instance but no process instance found with key '${r.processInstanceKey}'`,
    );
  const process = state.processes.get(root.processDefinitionKey);
  if (!process) throw new Error(`process instance ${root.key} has no deployed process`);
  const model = process.model;
  const id = process.bpmnProcessId;

  const unknown = r.activateInstructions.map((a) => a.elementId).filter((e) => !model.elements.has(e));
  if (unknown.length)
    throw invalid(
      `Expected to modify instance of process '${id}' but it contains one or more activate instructions with an element that could not be found: '${unknown.join("', '")}'`,
    );
  for (const [reason, test] of UNSUPPORTED) {
    const bad = r.activateInstructions
      .map((a) => a.elementId)
      .filter((e) => {
        const node = model.elements.get(e);
        return node !== undefined && test(node, model);
      });
    if (bad.length)
      throw invalid(
        `Expected to modify instance of process '${id}' but it contains one or more activate instructions for elements that are unsupported: '${bad.join("', '")}'. ${reason}.`,
      );
  }
  const lost = r.terminateInstructions.filter((k) => state.elements.get(k)?.processInstanceKey !== root.key);
  if (lost.length)
    throw invalid(
      `Expected to modify instance of process '${id}' but it contains one or more terminate instructions with an element instance that could not be found: '${lost.join("', '")}'`,
    );
  const activations = r.activateInstructions.map((a) => {
    const node = model.elements.get(a.elementId);
    if (!node) throw new Error('checked above');
    const scopes = flowScopesOf(model, node);
    const start = ancestorOf(state, root, a, scopes, id);
    const variables = a.variableInstructions.map((v) => {
      if (v.scopeId !== '' && v.scopeId !== node.id && !scopes.includes(v.scopeId))
        throw invalid(
          `Expected to modify instance of process '${id}' but it contains one or more variable instructions with a scope element id that could not be found: '${v.scopeId}'`,
        );
      return { scopeId: v.scopeId, document: parseVariablesDocument(INTENT, v.variables) };
    });
    return { node, scopes, start, variables };
  });

  engine.execute((tx, flow) => {
    for (const a of activations) {
      // Walk down the element's flow scopes from the chosen ancestor, creating what is missing.
      let scope = a.start;
      for (const scopeId of a.scopes.slice(a.scopes.indexOf(scope.elementId) + 1)) {
        scope = activeChildren(state, scope, scopeId)[0] ?? createScope(flow, model, scopeId, scope.key);
      }
      const locals: Record<string, unknown> = {};
      for (const v of a.variables) {
        if (v.scopeId === a.node.id) Object.assign(locals, v.document);
        else {
          // The instruction names one of the element's flow scopes, all on the chain above `scope`.
          const target =
            v.scopeId === ''
              ? root.key
              : scopeChain(tx, scope.key).find((k) => state.elements.get(k)?.elementId === v.scopeId);
          if (target === undefined) throw new Error(`no instance of scope ${v.scopeId} above ${scope.key}`);
          for (const [name, value] of Object.entries(v.document)) setLocal(tx, target, name, value);
        }
      }
      flow.beginActivation(model, a.node.id, scope.key, undefined, locals);
    }
    flow.run();
    for (const key of r.terminateInstructions) {
      const el = state.elements.get(key);
      if (!el || el.state === 'TERMINATING') continue; // already ended with an ancestor
      const parent = el.kind === 'process' ? undefined : state.elements.get(el.flowScopeKey);
      flow.terminate(key);
      terminateEmptyScopes(state, flow, parent);
    }
  });
}

/** Why Zeebe refuses to activate an element, and how to tell. */
const UNSUPPORTED: [string, (node: FlowNode, model: ProcessModel) => boolean][] = [
  [
    'The activation of start events and boundary events is not supported',
    (n) => n.kind === 'startEvent' || n.kind === 'boundaryEvent',
  ],
  [
    'The activation of events belonging to an event-based gateway is not supported',
    (n, m) => n.incoming.some((f) => m.elements.get(m.flows.get(f)?.source ?? '')?.kind === 'eventBasedGateway'),
  ],
  [
    'The activation of elements inside a multi-instance subprocess is not supported',
    (n, m) => flowScopesOf(m, n).some((s) => m.elements.get(s)?.multiInstance !== undefined),
  ],
  [
    // Inner elements run in inner instances the ad-hoc subprocess creates itself.
    'The activation of elements inside an ad-hoc sub-process is not supported; activate the ad-hoc sub-process',
    (n, m) => flowScopesOf(m, n).some((s) => m.elements.get(s)?.kind === 'adHocSubProcess'),
  ],
];

function invalid(message: string): Rejection {
  return new Rejection(INTENT, 'INVALID_ARGUMENT', message);
}

/** The element's flow scopes from the process down: [processId, subprocess, …]. */
function flowScopesOf(model: ProcessModel, node: FlowNode): string[] {
  const scopes: string[] = [];
  for (let s = node.scopeId; s !== model.id;) {
    scopes.unshift(s);
    const parent = model.elements.get(s);
    if (!parent) break;
    s = parent.scopeId;
  }
  return [model.id, ...scopes];
}

function activeChildren(state: EngineState, scope: ElementInstance, elementId: string): ElementInstance[] {
  return [...scope.activeChildren]
    .map((k) => state.elements.get(k))
    .filter((c): c is ElementInstance => c?.elementId === elementId && c.state === 'ACTIVATED');
}

/** Where the activation starts: the given ancestor, else the deepest flow scope with exactly one instance. */
function ancestorOf(
  state: EngineState,
  root: ElementInstance,
  a: ActivateInstruction,
  scopes: string[],
  id: string,
): ElementInstance {
  if (a.ancestorElementInstanceKey > 0) {
    const given = state.elements.get(a.ancestorElementInstanceKey);
    const scopeId = given?.kind === 'process' ? scopes[0] : given?.elementId;
    if (
      !given ||
      given.processInstanceKey !== root.key ||
      given.state !== 'ACTIVATED' ||
      !scopes.includes(scopeId ?? '')
    )
      throw invalid(
        `Expected to modify instance of process '${id}' but it contains one or more activate instructions with an ancestor scope key that does not exist, or is not in an active state: '${a.ancestorElementInstanceKey}'`,
      );
    return given;
  }
  let scope = root;
  for (const scopeId of scopes.slice(1)) {
    const found = activeChildren(state, scope, scopeId);
    if (found.length > 1)
      throw invalid(
        `Expected to modify instance of process '${id}' but it contains one or more activate instructions for an element that has a flow scope with more than one active instance: '${scopeId}'. Can't decide in which instance of the flow scope the element should be activated. Please specify an ancestor element instance key for this activate instruction.`,
      );
    const [only] = found;
    if (!only) break;
    scope = only;
  }
  return scope;
}

function createScope(flow: Flow, model: ProcessModel, scopeId: string, flowScopeKey: number): ElementInstance {
  const key = flow.beginActivation(model, scopeId, flowScopeKey);
  flow.scopeOnly.add(key);
  flow.run();
  const created = flow.state.elements.get(key);
  if (!created) throw new Error(`scope ${scopeId} was not created`);
  return created;
}

/** Zeebe: a flow scope whose last element instance was terminated by a modification ends too. */
function terminateEmptyScopes(state: EngineState, flow: Flow, scope: ElementInstance | undefined): void {
  for (let cur = scope; cur;) {
    const live = state.elements.get(cur.key);
    if (!live || live.state !== 'ACTIVATED' || live.activeChildren.size > 0 || live.waitingTokens.size > 0) return;
    const parent = live.kind === 'process' ? undefined : state.elements.get(live.flowScopeKey);
    flow.terminate(live.key);
    cur = parent;
  }
}
