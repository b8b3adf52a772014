// Camunda Modeler writes a flow node's <bpmn:incoming>/<bpmn:outgoing>, but BPMN and Zeebe do
// not need them: they restate the sequence flows' sourceRef/targetRef, and hand-written models
// (lib/bpmn/testdata/minimal.bpmn) leave them out. bpmnlint's rules (no-disconnected, fake-join,
// no-implicit-start…) and bpmn-auto-layout read only these lists, so without them a connected
// model looks disconnected and lays out as a column of shapes without edges. bpmn-js fills them
// in when it imports a diagram; so do we, before linting or laying out.
import { children, type ModdleElement } from './moddle.js';

interface FlowNode extends ModdleElement {
  $instanceOf(type: string): boolean;
  get(name: 'incoming' | 'outgoing'): unknown[];
}

/** Adds every sequence flow to its source's `outgoing` and its target's `incoming`, once. */
export function linkSequenceFlows(definitions: ModdleElement): void {
  const scopes = [...children(definitions, 'rootElements')];
  for (let scope = scopes.pop(); scope; scope = scopes.pop()) {
    for (const element of children(scope, 'flowElements')) {
      if (element.$type === 'bpmn:SequenceFlow') {
        addRef(element.sourceRef, 'outgoing', element);
        addRef(element.targetRef, 'incoming', element);
      } else if (Array.isArray(element.flowElements)) {
        scopes.push(element);
      }
    }
  }
}

function addRef(node: unknown, list: 'incoming' | 'outgoing', flow: ModdleElement): void {
  if (!isFlowNode(node)) return;
  const refs = node.get(list);
  if (!refs.includes(flow)) refs.push(flow);
}

function isFlowNode(node: unknown): node is FlowNode {
  return (
    typeof node === 'object' &&
    node !== null &&
    typeof (node as Partial<FlowNode>).$instanceOf === 'function' &&
    (node as FlowNode).$instanceOf('bpmn:FlowNode')
  );
}
