// What one BPMN element kind does, as Zeebe has one processor per element type. Flow (flow.ts)
// owns the lifecycle every element shares — activating, input and output mappings, completing,
// taking flows, terminating — and asks the element's behaviour only what differs.
import type { FlowNode } from '../../lib/bpmn/index.js';
import type { ElementInstance } from '../state/engine-state.js';
import type { Flow } from './flow.js';

export interface ElementBehaviour {
  /**
   * Runs once the input mappings are applied: emits ELEMENT_ACTIVATED and opens what the
   * element waits for (a job, a subscription, a child scope), or completes it at once. Raising
   * an incident instead leaves it ACTIVATING; resolving the incident runs this again.
   */
  activate: (flow: Flow, el: ElementInstance, node: FlowNode) => void;
  /**
   * The sequence flows the token leaves on (default: every outgoing flow). Undefined when an
   * incident stopped the element (it stays COMPLETING until the incident is resolved).
   */
  outgoing?: (flow: Flow, el: ElementInstance, node: FlowNode) => string[] | undefined;
  /** Joins: whether a token arriving at this element waits in its scope for others. */
  joins?: (node: FlowNode) => boolean;
  /**
   * Joins: the waiting flows to consume (one token each) to activate the element once now, or
   * undefined while it must wait for more.
   */
  joinReady?: (flow: Flow, scope: ElementInstance, node: FlowNode) => string[] | undefined;
  /** After the element completed and its tokens moved on (default: check the scope's completion). */
  afterLeave?: (flow: Flow, el: ElementInstance, node: FlowNode) => void;
}
