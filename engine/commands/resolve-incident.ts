// ResolveIncident (docs/zeebe-compatibility.md C21): a job incident needs retries first; an
// element incident retries the step that failed.
import type { Engine } from '../processor/engine.js';
import { Rejection } from '../processor/rejection.js';

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
