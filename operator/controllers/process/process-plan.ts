// plan(facts) for a ProcOSProcess: pure, no I/O, recomputed every loop (TWC #353).
import type { ConditionInput } from '../../runtime/conditions.js';

export const FINALIZER = 'procos.io/engine-cleanup';

export type Failure = { reason: string; message: string };

export interface ProcessFacts {
  deleting: boolean;
  finalizers: string[];
  deletionPolicy: 'Retain' | 'Delete';
  /** What status says is deployed now. */
  deployed: {
    checksum?: string;
    version?: number;
    processDefinitionKey?: string;
    deployedCondition?: 'True' | 'False' | 'Unknown';
  };
  source: { ok: true; xml: string; checksum: string; resourceName: string } | ({ ok: false } & Failure);
  /** undefined: no sandboxPolicyRef, any job type is allowed. */
  policy?: { ok: true; name: string; disallowed: (taskTypes: string[]) => string[] } | ({ ok: false } & Failure);
  bpmn?: { problems: string[]; bpmnProcessId?: string; taskTypes: string[] };
}

export type ProcessPlan =
  | { kind: 'finalize'; deleteFromEngine?: string; removeFinalizer: boolean }
  | { kind: 'invalid'; finalizer?: 'add' | 'remove'; failure: Failure; bpmnProcessId?: string; taskTypes?: string[] }
  | {
      kind: 'deploy';
      finalizer?: 'add' | 'remove';
      resourceName: string;
      xml: string;
      checksum: string;
      bpmnProcessId: string;
      taskTypes: string[];
    }
  | { kind: 'upToDate'; finalizer?: 'add' | 'remove'; bpmnProcessId: string; taskTypes: string[] };

function finalizerChange(f: ProcessFacts): 'add' | 'remove' | undefined {
  const has = f.finalizers.includes(FINALIZER);
  // A finalizer only when the engine must be cleaned up (deletionPolicy: Delete).
  if (f.deletionPolicy === 'Delete' && !has) return 'add';
  if (f.deletionPolicy === 'Retain' && has) return 'remove';
  return undefined;
}

export function planProcess(f: ProcessFacts): ProcessPlan {
  if (f.deleting) {
    const has = f.finalizers.includes(FINALIZER);
    const cleanUp = has && f.deletionPolicy === 'Delete' && f.deployed.processDefinitionKey;
    return {
      kind: 'finalize',
      deleteFromEngine: cleanUp ? f.deployed.processDefinitionKey : undefined,
      removeFinalizer: has,
    };
  }
  const finalizer = finalizerChange(f);
  if (!f.source.ok)
    return { kind: 'invalid', finalizer, failure: { reason: f.source.reason, message: f.source.message } };
  if (f.policy && !f.policy.ok)
    return { kind: 'invalid', finalizer, failure: { reason: f.policy.reason, message: f.policy.message } };
  const bpmn = f.bpmn;
  if (!bpmn || bpmn.problems.length || !bpmn.bpmnProcessId) {
    const problems = bpmn?.problems.length ? bpmn.problems : ['the BPMN has no executable process'];
    return {
      kind: 'invalid',
      finalizer,
      failure: {
        reason: 'InvalidBPMN',
        message: problems.slice(0, 5).join('; ') + (problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''),
      },
    };
  }
  const { bpmnProcessId, taskTypes } = bpmn;
  if (f.policy?.ok) {
    const disallowed = f.policy.disallowed(taskTypes);
    if (disallowed.length) {
      return {
        kind: 'invalid',
        finalizer,
        bpmnProcessId,
        taskTypes,
        failure: {
          reason: 'TaskTypeNotAllowed',
          message: `job type${disallowed.length > 1 ? 's' : ''} ${disallowed.map((t) => `'${t}'`).join(', ')} not allowed by SandboxPolicy '${f.policy.name}'`,
        },
      };
    }
  }
  if (f.deployed.checksum === f.source.checksum && f.deployed.deployedCondition === 'True')
    return { kind: 'upToDate', finalizer, bpmnProcessId, taskTypes };
  return {
    kind: 'deploy',
    finalizer,
    resourceName: f.source.resourceName,
    xml: f.source.xml,
    checksum: f.source.checksum,
    bpmnProcessId,
    taskTypes,
  };
}

/** The conditions a plan's outcome leads to (kstatus: Ready, Reconciling, Stalled; and ours). */
export function conditionsFor(
  outcome:
    { ready: true; version: number } | { ready: false; failure: Failure; transient: boolean; validated: boolean },
): ConditionInput[] {
  if (outcome.ready) {
    const msg = `version ${outcome.version} is deployed`;
    return [
      { type: 'Ready', status: 'True', reason: 'Deployed', message: msg },
      {
        type: 'Validated',
        status: 'True',
        reason: 'Valid',
        message: 'the BPMN is valid and every job type is allowed',
      },
      { type: 'Deployed', status: 'True', reason: 'Deployed', message: msg },
      { type: 'Reconciling', status: 'False', reason: 'Deployed', message: msg },
      { type: 'Stalled', status: 'False', reason: 'Deployed', message: msg },
    ];
  }
  const { failure, transient, validated } = outcome;
  return [
    { type: 'Ready', status: 'False', reason: failure.reason, message: failure.message },
    validated
      ? {
          type: 'Validated',
          status: 'True',
          reason: 'Valid',
          message: 'the BPMN is valid and every job type is allowed',
        }
      : { type: 'Validated', status: 'False', reason: failure.reason, message: failure.message },
    { type: 'Deployed', status: transient ? 'Unknown' : 'False', reason: failure.reason, message: failure.message },
    // kstatus: transient failures are still reconciling; invalid specs are stalled until edited.
    { type: 'Reconciling', status: transient ? 'True' : 'False', reason: failure.reason, message: failure.message },
    { type: 'Stalled', status: transient ? 'False' : 'True', reason: failure.reason, message: failure.message },
  ];
}
