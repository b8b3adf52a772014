// MigrateProcessInstance, as Zeebe does it: every active element instance moves to the element
// its mapping instruction names in the target process definition; keys, variables and jobs
// stay (jobs take the new element, process and version; a Camunda user task, the message
// subscription of a receive task or message catch event and the timer of a timer catch event
// move with their element, the timer keeping its due date). What Zeebe cannot migrate yet is
// refused with Zeebe's reasons — here: elements other than tasks, subprocesses, call activities
// and message or timer catch events, elements with boundary events, processes with event
// subprocesses, child instances, a changed element type, user task implementation or flow
// scope. What Zeebe migrates and ProcOS does not yet (boundary events) is refused the same way.
// Validated before anything changes.
import type { FlowNode } from '../../lib/bpmn/index.js';
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import type { DeployedProcess } from '../state/engine-state.js';

const INTENT = 'MIGRATE';

export interface MigrateRequest {
  processInstanceKey: number;
  targetProcessDefinitionKey: number;
  mappingInstructions: { sourceElementId: string; targetElementId: string }[];
}

/** Element kinds an active instance may have (process instances themselves always move). */
const MIGRATABLE = new Set([
  'serviceTask',
  'userTask',
  'receiveTask',
  'intermediateCatchEvent',
  'subProcess',
  'callActivity',
]);

export function migrateProcessInstance(engine: Engine, r: MigrateRequest): void {
  const { state } = engine;
  const key = r.processInstanceKey;
  const root = state.elements.get(key);
  if (!root || root.kind !== 'process')
    throw new Rejection(
      INTENT,
      'NOT_FOUND',
      `Expected to migrate process instance but no process instance found with key '${key}'`,
    );
  const target = state.processes.get(r.targetProcessDefinitionKey);
  if (!target)
    throw new Rejection(
      INTENT,
      'NOT_FOUND',
      `Expected to migrate process instance to process definition but no process definition found with key '${r.targetProcessDefinitionKey}'`,
    );
  const source = state.processes.get(root.processDefinitionKey);
  if (!source) throw new Error(`process instance ${key} has no deployed process`);
  const refuse = (type: 'INVALID_ARGUMENT' | 'INVALID_STATE', why: string): Rejection =>
    new Rejection(INTENT, type, `Expected to migrate process instance '${key}' but ${why}`);

  if (root.parentElementInstanceKey !== undefined)
    throw refuse(
      'INVALID_STATE',
      'process instance is a child process instance. Child process instances cannot be migrated.',
    );
  const sources = r.mappingInstructions.map((m) => m.sourceElementId);
  const duplicates = [...new Set(sources.filter((id, i) => sources.indexOf(id) !== i))];
  if (duplicates.length)
    throw refuse(
      'INVALID_ARGUMENT',
      `the mapping instructions contain duplicate source element ids '${duplicates.join("', '")}'.`,
    );
  for (const m of r.mappingInstructions) {
    if (!source.model.elements.has(m.sourceElementId))
      throw refuse(
        'INVALID_ARGUMENT',
        `mapping instructions contain a non-existing source element id '${m.sourceElementId}'. Elements provided in mapping instructions must exist in the source process definition.`,
      );
    if (!target.model.elements.has(m.targetElementId))
      throw refuse(
        'INVALID_ARGUMENT',
        `mapping instructions contain a non-existing target element id '${m.targetElementId}'. Elements provided in mapping instructions must exist in the target process definition.`,
      );
  }
  for (const [process, which] of [
    [source, 'process instance has an event subprocess. Process instances'],
    [target, 'target process has an event subprocess. Target processes'],
  ] as const) {
    if ([...process.model.eventSubprocesses.values()].some((ids) => ids.length > 0))
      throw new Rejection(
        INTENT,
        'INVALID_STATE',
        `Expected to migrate process instance but ${which} with event subprocesses cannot be migrated yet.`,
      );
  }

  const mapping = new Map(r.mappingInstructions.map((m) => [m.sourceElementId, m.targetElementId]));
  const elementIds: [number, string][] = [[key, target.bpmnProcessId]];
  for (const el of state.elements.values()) {
    if (el.processInstanceKey !== key || el.key === key) continue;
    const node = nodeOf(source, el.elementId);
    if (!MIGRATABLE.has(el.kind) || node.multiInstance)
      throw refuse(
        'INVALID_STATE',
        `active element with id '${el.elementId}' has an unsupported type. The migration of a ${node.bpmnType} is not supported.`,
      );
    if (node.kind === 'intermediateCatchEvent' && node.event.kind !== 'message' && node.event.kind !== 'timer')
      throw refuse(
        'INVALID_STATE',
        `active element with id '${el.elementId}' is intermediate catch event of type '${node.event.kind.toUpperCase()}'. Migrating active intermediate catch event of this type is not possible yet.`,
      );
    const targetId = mapping.get(el.elementId);
    if (targetId === undefined)
      throw refuse(
        'INVALID_STATE',
        `no mapping instruction defined for active element with id '${el.elementId}'. Elements cannot be migrated without a mapping.`,
      );
    const to = nodeOf(target, targetId);
    const implementation = (n: FlowNode) => (n.kind === 'userTask' ? 'zeebe user task' : 'job worker');
    if (node.bpmnType === 'bpmn:UserTask' && to.bpmnType === 'bpmn:UserTask' && to.kind !== node.kind)
      throw refuse(
        'INVALID_STATE',
        `active user task with id '${el.elementId}' and implementation '${implementation(node)}' is mapped to an user task with id '${targetId}' and different implementation '${implementation(to)}'. Elements must be mapped to elements of the same implementation.`,
      );
    if (to.bpmnType !== node.bpmnType || to.kind !== node.kind || to.event.kind !== node.event.kind)
      throw refuse(
        'INVALID_STATE',
        `active element with id '${el.elementId}' and type '${node.bpmnType}' is mapped to an element with id '${targetId}' and different type '${to.bpmnType}'. Elements must be mapped to elements of the same type.`,
      );
    // The flow scope must stay: the target's scope is where the source's scope is mapped to.
    const expectedScope = node.scopeId === source.model.id ? target.model.id : mapping.get(node.scopeId);
    if (to.scopeId !== expectedScope)
      throw refuse(
        'INVALID_STATE',
        `the flow scope of active element with id '${el.elementId}' is changed. The flow scope of the active element is expected to be '${expectedScope ?? node.scopeId}' but was '${to.scopeId}'. The flow scope of an element cannot be changed during migration yet.`,
      );
    for (const [side, n] of [
      ['active', node],
      ['target', to],
    ] as const) {
      const boundaries = (side === 'active' ? source : target).model.boundaryEvents.get(n.id) ?? [];
      if (boundaries.length) {
        const kinds = boundaries.map((b) => nodeOf(side === 'active' ? source : target, b).event.kind.toUpperCase());
        throw refuse(
          'INVALID_STATE',
          `${side} element with id '${n.id}' has one or more boundary events of types '${[...new Set(kinds)].join(',')}'. Migrating ${side} elements with boundary events of these types is not possible yet.`,
        );
      }
    }
    elementIds.push([el.key, targetId]);
  }

  engine.execute((tx) => {
    tx.emit({ type: 'PROCESS_INSTANCE_MIGRATED', key, targetProcessDefinitionKey: target.key, elementIds });
  });
}

function nodeOf(process: DeployedProcess, elementId: string): FlowNode {
  const node = process.model.elements.get(elementId);
  if (!node) throw new Error(`${elementId} is not in ${process.bpmnProcessId} v${process.version}`);
  return node;
}
