// CancelProcessInstance (C13), SetVariables (C24), ResolveIncident (C21), DeleteResource.
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';
import { propagate, setLocal } from '../behaviour/variables.js';
import { parseVariablesDocument } from './variables-document.js';

export function cancelProcessInstance(engine: Engine, processInstanceKey: number): void {
  const el = engine.state.elements.get(processInstanceKey);
  if (!el || el.kind !== 'process' || el.parentElementInstanceKey !== undefined) {
    const reason =
      el?.parentElementInstanceKey !== undefined && el.kind === 'process'
        ? `Expected to cancel a process instance with key '${processInstanceKey}', but it is created by a parent process instance. Cancel the root process instance instead.`
        : `Expected to cancel a process instance with key '${processInstanceKey}', but no such process was found`;
    throw new Rejection('CANCEL', el ? 'INVALID_STATE' : 'NOT_FOUND', reason);
  }
  engine.execute((_tx, flow) => flow.terminate(processInstanceKey));
}

export function setVariables(
  engine: Engine,
  elementInstanceKey: number,
  variablesText: string,
  local: boolean,
): number {
  const variables = parseVariablesDocument('UPDATE', variablesText);
  if (!engine.state.elements.has(elementInstanceKey)) {
    throw new Rejection(
      'UPDATE',
      'NOT_FOUND',
      `Expected to update variables for element with key '${elementInstanceKey}', but no such element was found`,
    );
  }
  return engine.execute((tx) => {
    const key = tx.nextKey();
    tx.emit({ type: 'VARIABLE_DOCUMENT_UPDATED', key });
    if (local) for (const [name, value] of Object.entries(variables)) setLocal(tx, elementInstanceKey, name, value);
    else propagate(tx, elementInstanceKey, variables);
    return key;
  });
}

export function resolveIncident(engine: Engine, incidentKey: number): void {
  const incident = engine.state.incidents.get(incidentKey);
  if (!incident)
    throw new Rejection(
      'RESOLVE',
      'NOT_FOUND',
      `Expected to resolve incident with key '${incidentKey}', but no such incident was found`,
    );
  const job = incident.jobKey === undefined ? undefined : engine.state.jobs.get(incident.jobKey);
  if (job && job.state === 'FAILED' && job.retries <= 0) {
    throw new Rejection(
      'RESOLVE',
      'INVALID_STATE',
      `Expected to resolve incident with key '${incidentKey}', but job with key '${job.key}' has no retries left. Update the job retries first.`,
    );
  }
  engine.execute((tx, flow) => {
    tx.emit({ type: 'INCIDENT_RESOLVED', key: incidentKey });
    if (job) return;
    // An element incident: retry the step that failed.
    const el = tx.state.elements.get(incident.elementInstanceKey);
    if (el?.state === 'ACTIVATING') flow.continueActivation(el.key);
    else if (el?.state === 'COMPLETING') flow.continueCompletion(el.key);
  });
}

export function deleteResource(engine: Engine, resourceKey: number): void {
  if (!engine.state.processes.has(resourceKey)) {
    throw new Rejection(
      'DELETE',
      'NOT_FOUND',
      `Expected to delete resource but no resource found with key \`${resourceKey}\``,
    );
  }
  engine.execute((tx) => {
    for (const t of [...tx.state.timers.values()]) {
      if (t.elementInstanceKey === 0 && t.processDefinitionKey === resourceKey)
        tx.emit({ type: 'TIMER_CANCELED', key: t.key });
    }
    tx.emit({ type: 'PROCESS_DELETED', key: resourceKey });
  });
}
