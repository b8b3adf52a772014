// The shape of GET /v1/history/process-instances/{key} on the engine's monitoring port (an instance
// with the instances its call activities started), and what the driver reads from it. Typed here
// from the JSON, not imported from engine/monitoring: the measurement reads what any client sees.

export type RecordState = 'active' | 'completed' | 'terminated';

export interface TreeJob {
  key: string;
  type: string;
  state: string;
  retries: number;
}

export interface TreeElement {
  key: string;
  elementId: string;
  kind: string;
  state: RecordState;
  startedAt: string;
  job?: TreeJob;
  incident?: { errorType: string; errorMessage: string; resolved: boolean };
}

export interface TreeInstance {
  processInstanceKey: string;
  bpmnProcessId: string;
  state: RecordState;
  elements: TreeElement[];
  children?: TreeInstance[];
}

export interface OpenIncident {
  bpmnProcessId: string;
  elementId: string;
  errorType: string;
  errorMessage: string;
}

/** Element kinds that only wait for what runs inside them (their children are what is waited on). */
const CONTAINER_KINDS = new Set(['process', 'subProcess', 'adHocSubProcess', 'callActivity', 'multiInstanceBody']);

/** Job states a worker can still activate (a failed job with retries left comes back). */
const ACTIVATABLE_JOB_STATES = new Set(['created', 'timed-out']);

/** The instance first, then every instance its call activities started, depth first. */
export function flatten(root: TreeInstance): TreeInstance[] {
  return [root, ...(root.children ?? []).flatMap(flatten)];
}

export function openIncidents(instances: TreeInstance[]): OpenIncident[] {
  return instances.flatMap((i) =>
    i.elements
      .filter((e) => e.incident && !e.incident.resolved)
      .map((e) => ({
        bpmnProcessId: i.bpmnProcessId,
        elementId: e.elementId,
        errorType: e.incident?.errorType ?? '',
        errorMessage: e.incident?.errorMessage ?? '',
      })),
  );
}

/** Job types of active elements whose job a worker could activate now. */
export function pendingJobTypes(instances: TreeInstance[]): string[] {
  const types = new Set<string>();
  for (const i of instances)
    for (const e of i.elements) {
      const job = e.job;
      if (e.state !== 'active' || !job) continue;
      if (ACTIVATABLE_JOB_STATES.has(job.state) || (job.state === 'failed' && job.retries > 0)) types.add(job.type);
    }
  return [...types].sort();
}

/** Active elements that are not containers: where each token of the instance stands. */
export function activeLeaves(instances: TreeInstance[]): { instance: TreeInstance; element: TreeElement }[] {
  return instances.flatMap((instance) =>
    instance.elements
      .filter((e) => e.state === 'active' && !CONTAINER_KINDS.has(e.kind))
      .map((element) => ({ instance, element })),
  );
}

/**
 * Changes whenever the instance moves: an element starts or ends, a job changes state, an
 * incident opens or is resolved. Equal signatures over a settle period mean a stable state.
 */
export function signature(instances: TreeInstance[]): string {
  return instances
    .map(
      (i) =>
        `${i.processInstanceKey}:${i.state}[${i.elements
          .map((e) => `${e.key}:${e.state}:${e.job?.state ?? ''}:${e.incident?.resolved ?? ''}`)
          .join(',')}]`,
    )
    .join(';');
}
