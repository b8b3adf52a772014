// startOnDeploy: whether to start an instance of the deployed version — pure, like planProcess.
//
// The guarantee is at most one instance per version, and exactly one unless the operator dies
// (or the engine stops answering) between asking for the instance and hearing back.
// Why not exactly-once always: Zeebe's CreateProcessInstance has no idempotency key, a none
// start event takes no message id to deduplicate on, and the only engine-side lookup (Operate /
// the v2 search API) is eventually consistent, so "not found" never proves "not started".
// The engine cannot be asked reliably; status is the record instead, written in two phases:
//   1. `Starting` for version N, with the object's resourceVersion as a precondition (a stale
//      informer cache or a second leader gets 409 and re-plans from the fresh object),
//   2. the CreateProcessInstance call (variable procosStartKey = <uid>/<N>, so a person or a
//      tool can find the instance in Operate),
//   3. `Started` with the instance key (or `Failed` when the engine certainly did not start it).
// A `Starting` found by a later reconcile means the outcome was lost: the result this operator
// process remembers is used if it has one (a failed status write), otherwise the record turns
// `Unconfirmed` — started at most once, never again — and a Warning Event says how to check.
import type { StartOnDeployStatus } from '../../api/index.js';
import type { DeployedDefinition } from '../../engine-client/engine-client.js';
import type { ReadyReason } from './process-reasons.js';
import { boundMessage } from './status-bounds.js';

/** What happened when this operator process asked the engine for the instance. */
export type StartOutcome =
  | { kind: 'started'; processInstanceKey: string }
  /** Certainly not started: the engine refused, or the request never left. */
  | { kind: 'failed'; reason: ReadyReason; message: string; permanent: boolean }
  /** Maybe started: a deadline, a dropped connection, an unexplained error. */
  | { kind: 'unknown'; message: string };

export interface StartFacts {
  enabled: boolean;
  uid: string;
  generation: number;
  deployed: DeployedDefinition;
  /** status.startOnDeploy as last read (fresh from the apiserver after a conflict). */
  marker?: StartOnDeployStatus;
  /** status.processDefinitionKey as last read, before this loop's deploy. */
  recordedKey?: string;
  /** The outcome this operator process saw for a definition (lost if the status write failed). */
  memo?: { processDefinitionKey: string; outcome: StartOutcome };
}

export type StartPlan =
  | { kind: 'none' }
  /** Write `marker` (phase Starting) with a precondition, then create the instance. */
  | { kind: 'start'; marker: StartOnDeployStatus }
  /** Write `marker`: an outcome that status does not show yet. */
  | { kind: 'record'; marker: StartOnDeployStatus };

export const START_KEY_VARIABLE = 'procosStartKey';

export function startKeyFor(uid: string, version: number): string {
  return `${uid}/${version}`;
}

/** The record of an outcome, for the definition the base record is about. */
export function markerFor(base: StartOnDeployStatus, outcome: StartOutcome, generation: number): StartOnDeployStatus {
  const { bpmnProcessId, version, processDefinitionKey, startKey } = base;
  const about = { bpmnProcessId, version, processDefinitionKey, startKey };
  switch (outcome.kind) {
    case 'started':
      return { ...about, phase: 'Started', processInstanceKey: outcome.processInstanceKey };
    case 'failed':
      return {
        ...about,
        phase: 'Failed',
        reason: outcome.reason,
        message: boundMessage(outcome.message, 2048),
        observedGeneration: generation,
      };
    case 'unknown':
      return {
        ...about,
        phase: 'Unconfirmed',
        message:
          `${boundMessage(outcome.message, 1024)}; the instance of version ${version} was started at most once and will not be ` +
          `started again: look for an instance with variable ${START_KEY_VARIABLE}="${startKey ?? ''}" in the engine`,
      };
  }
}

const LOST =
  'the operator stopped (or lost its lease) after marking the start and before recording what the engine answered';

export function planStart(f: StartFacts): StartPlan {
  if (!f.enabled) return { kind: 'none' };
  const d = f.deployed;
  const key = d.processDefinitionKey;
  const base: StartOnDeployStatus = {
    bpmnProcessId: d.bpmnProcessId,
    version: d.version,
    processDefinitionKey: key,
    phase: 'Starting',
    startKey: startKeyFor(f.uid, d.version),
  };
  const seen = f.memo?.processDefinitionKey === key ? f.memo.outcome : undefined;
  const m = f.marker;
  if (m?.processDefinitionKey === key) {
    switch (m.phase) {
      case 'Started':
      case 'Unconfirmed':
      case 'Skipped':
        return { kind: 'none' };
      case 'Starting':
        return { kind: 'record', marker: markerFor(m, seen ?? { kind: 'unknown', message: LOST }, f.generation) };
      case 'Failed':
        if (seen?.kind === 'started' || seen?.kind === 'unknown')
          return { kind: 'record', marker: markerFor(m, seen, f.generation) };
        // A refusal (no none start event after all, variables the engine rejects) waits for an
        // edit of the spec; an outage or a credentials problem is retried.
        if (m.reason === 'StartOnDeployFailed' && m.observedGeneration === f.generation) return { kind: 'none' };
        return { kind: 'start', marker: base };
    }
  }
  // An older definition came back (status lags behind): never start an older version.
  if (m && m.bpmnProcessId === d.bpmnProcessId && m.version > d.version) return { kind: 'none' };
  if (seen && seen.kind !== 'failed') return { kind: 'record', marker: markerFor(base, seen, f.generation) };
  // Deployed while startOnDeploy was off, or by an operator that kept no record: starting it
  // now could be a second instance. The next version starts.
  if (f.recordedKey === key)
    return {
      kind: 'record',
      marker: {
        ...base,
        phase: 'Skipped',
        message: `version ${d.version} was deployed before startOnDeploy was enabled (or by an operator that kept no start record); the next version starts`,
      },
    };
  return { kind: 'start', marker: base };
}

/** What a start record means for the Ready condition. */
export function startReadiness(
  marker: StartOnDeployStatus | undefined,
  processDefinitionKey: string,
): { failure?: { reason: ReadyReason; message: string }; transient?: boolean; note?: string } {
  if (!marker || marker.processDefinitionKey !== processDefinitionKey) return {};
  if (marker.phase === 'Failed') {
    const reason = (marker.reason ?? 'StartOnDeployFailed') as ReadyReason;
    return {
      failure: {
        reason,
        message: `version ${marker.version} is deployed, but its startOnDeploy instance was not started: ${marker.message ?? ''}`,
      },
      transient: reason !== 'StartOnDeployFailed',
    };
  }
  if (marker.phase === 'Unconfirmed')
    return { note: `its startOnDeploy instance is unconfirmed (see status.startOnDeploy)` };
  if (marker.phase === 'Started') return { note: `startOnDeploy instance ${marker.processInstanceKey ?? ''}` };
  return {};
}
