// CreateProcessInstance (docs/zeebe-compatibility.md C11): by key, or by bpmnProcessId and version (-1 = latest).
import { noneStartEvent } from '../../lib/bpmn/index.js';
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import type { DeployedProcess } from '../state/engine-state.js';
import { parseVariablesDocument } from './variables-document.js';

const INTENT = 'CREATE';

export interface CreateInstanceRequest {
  processDefinitionKey: number;
  bpmnProcessId: string;
  version: number;
  variables: string;
  startElementIds: string[];
}

export interface CreateInstanceResult {
  processDefinitionKey: number;
  bpmnProcessId: string;
  version: number;
  processInstanceKey: number;
}

export function findProcess(
  engine: Engine,
  r: Pick<CreateInstanceRequest, 'processDefinitionKey' | 'bpmnProcessId' | 'version'>,
): DeployedProcess {
  if (r.processDefinitionKey > 0) {
    const p = engine.state.processes.get(r.processDefinitionKey);
    if (!p)
      throw new Rejection(
        INTENT,
        'NOT_FOUND',
        `Expected to find process definition with key '${r.processDefinitionKey}', but none found`,
      );
    return p;
  }
  if (!r.bpmnProcessId)
    throw new Rejection(
      INTENT,
      'INVALID_ARGUMENT',
      'Expected either a processDefinitionKey or a bpmnProcessId, but none given',
    );
  const p =
    r.version < 0
      ? engine.state.latestProcess(r.bpmnProcessId)
      : engine.state.processByVersion(r.bpmnProcessId, r.version);
  if (!p) {
    const which = r.version < 0 ? 'the latest version' : `version '${r.version}'`;
    throw new Rejection(
      INTENT,
      'NOT_FOUND',
      `Expected to find process definition with process ID '${r.bpmnProcessId}' and ${which}, but none found`,
    );
  }
  return p;
}

export function createProcessInstance(
  engine: Engine,
  r: CreateInstanceRequest,
  beforeCommit?: (key: number) => void,
): CreateInstanceResult {
  const process = findProcess(engine, r);
  const variables = parseVariablesDocument(INTENT, r.variables);
  let starts: string[];
  if (r.startElementIds.length) {
    for (const id of r.startElementIds) {
      const node = process.model.elements.get(id);
      if (!node)
        throw new Rejection(
          INTENT,
          'INVALID_ARGUMENT',
          `Expected to find element with id '${id}' in process '${process.bpmnProcessId}', but none found`,
        );
      if (node.scopeId !== process.model.id || node.kind === 'boundaryEvent') {
        throw new Rejection(
          INTENT,
          'INVALID_ARGUMENT',
          `Expected to start instance at element '${id}', but it is inside a subprocess or a boundary event`,
        );
      }
    }
    starts = r.startElementIds;
  } else {
    const start = noneStartEvent(process.model);
    if (!start)
      throw new Rejection(
        INTENT,
        'INVALID_STATE',
        `Expected to create instance of process with none start event, but there is no such event`,
      );
    starts = [start.id];
  }
  const processInstanceKey = engine.execute((_tx, flow) => {
    const key = flow.createProcessInstance(process, variables, starts);
    beforeCommit?.(key);
    return key;
  });
  return {
    processDefinitionKey: process.key,
    bpmnProcessId: process.bpmnProcessId,
    version: process.version,
    processInstanceKey,
  };
}
