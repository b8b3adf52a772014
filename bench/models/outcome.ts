// What happened to one model: refused at deploy, or deployed and then how its instance ended up
// within the budget. The categories are the README's; the summary line is what runs compare.
import type { OpenIncident } from './instance-tree.js';

export type Outcome =
  | { kind: 'refused'; reason: string }
  /** Deployed, but no instance was created: no none start event, or CreateProcessInstance failed. */
  | { kind: 'not-started'; reason: string }
  | { kind: 'completed'; detail: string }
  /** The instance ended terminated (Zeebe completes an instance whose terminate end event is reached). */
  | { kind: 'terminated'; detail: string }
  /** Active and stable, with no incident: waiting on what the driver cannot supply (timers, messages). */
  | { kind: 'waits'; on: string[] }
  | { kind: 'incident'; incident: OpenIncident; others: number }
  /** Still moving when the budget ran out (a loop the driver keeps feeding, a slow path). */
  | { kind: 'busy'; detail: string };

export type OutcomeKind = Outcome['kind'];

export interface ModelResult {
  /** The model file, relative to the collection: `source/file.bpmn`. */
  model: string;
  deployed: boolean;
  processIds: string[];
  outcome: Outcome;
}

export interface Summary {
  models: number;
  deployed: number;
  completed: number;
  waits: number;
  incidents: number;
  refused: number;
  notStarted: number;
  terminated: number;
  busy: number;
}

/** Worst first: the outcome a model with several started processes is listed under. */
const SEVERITY: OutcomeKind[] = ['refused', 'incident', 'busy', 'terminated', 'not-started', 'waits', 'completed'];

/** One outcome for a model whose processes (each with a none start event) ran separately. */
export function combine(outcomes: { processId: string; outcome: Outcome }[]): Outcome {
  const first = outcomes[0];
  if (!first) return { kind: 'not-started', reason: 'no process' };
  if (outcomes.length === 1) return first.outcome;
  const rank = (o: Outcome): number => SEVERITY.indexOf(o.kind);
  const worst = outcomes.reduce((a, b) => (rank(b.outcome) < rank(a.outcome) ? b : a));
  const rest = outcomes
    .filter((o) => o !== worst)
    .map((o) => `${o.processId}: ${outcomeText(o.outcome)}`)
    .join('; ');
  const note = `${worst.processId}; others: ${rest}`;
  switch (worst.outcome.kind) {
    case 'waits':
      return { kind: 'waits', on: [...worst.outcome.on, `(${note})`] };
    case 'incident':
      return worst.outcome;
    case 'refused':
    case 'not-started':
      return { ...worst.outcome, reason: `${worst.outcome.reason} (${note})` };
    default:
      return { ...worst.outcome, detail: `${worst.outcome.detail} (${note})` };
  }
}

export function outcomeText(o: Outcome): string {
  switch (o.kind) {
    case 'refused':
    case 'not-started':
      return o.reason;
    case 'completed':
    case 'terminated':
    case 'busy':
      return o.detail;
    case 'waits':
      return `waiting on ${o.on.join('; ')}`;
    case 'incident': {
      const i = o.incident;
      const more = o.others > 0 ? ` (+${o.others} more)` : '';
      return `${i.errorType}: ${i.errorMessage} @${i.bpmnProcessId}/${i.elementId}${more}`;
    }
  }
}

export function summarize(results: ModelResult[]): Summary {
  const count = (kind: OutcomeKind): number => results.filter((r) => r.outcome.kind === kind).length;
  return {
    models: results.length,
    deployed: results.filter((r) => r.deployed).length,
    completed: count('completed'),
    waits: count('waits'),
    incidents: count('incident'),
    refused: count('refused'),
    notStarted: count('not-started'),
    terminated: count('terminated'),
    busy: count('busy'),
  };
}

export function summaryLine(s: Summary): string {
  return (
    `deploy ${s.deployed}/${s.models}, run to end ${s.completed}/${s.models}, waits ${s.waits}, ` +
    `incidents ${s.incidents}, refused ${s.refused}, not started ${s.notStarted}, ` +
    `terminated ${s.terminated}, busy ${s.busy}`
  );
}
