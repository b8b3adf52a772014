// plan(facts) for a ProcOSProcess: pure, no I/O, recomputed every loop — a plan kept between
// loops goes stale and is then retried against a world that has moved on.
import { MAX_VARIABLES_DEPTH } from '../../api/index.js';
import type { ConditionInput } from '../../runtime/conditions.js';
import type { Failure } from './process-reasons.js';
import { listItems, quoteItem } from './status-bounds.js';

export type { Failure };

export const FINALIZER = 'procos.io/engine-cleanup';

/** status.bpmnProcessId holds at most this many characters (the CRD's limit). */
export const MAX_PROCESS_ID_LENGTH = 255;

export interface ProcessFacts {
  deleting: boolean;
  finalizers: string[];
  deletionPolicy: 'Retain' | 'Delete';
  /** What is deployed now: status, or what this operator deployed and status does not show yet. */
  deployed: {
    checksum?: string;
    version?: number;
    processDefinitionKey?: string;
    deployedCondition?: 'True' | 'False' | 'Unknown';
  };
  source: { ok: true; xml: string; checksum: string; resourceName: string } | ({ ok: false } & Failure);
  /** undefined: no sandboxPolicyRef, any job type is allowed. */
  policy?: { ok: true; name: string; disallowed: (taskTypes: string[]) => string[] } | ({ ok: false } & Failure);
  bpmn?: {
    problems: string[];
    /** Executable processes, in document order. */
    processIds: string[];
    taskTypes: string[];
    /** Whether the (single) executable process has a none start event, which startOnDeploy needs. */
    noneStart: boolean;
  };
  startOnDeploy: { enabled: boolean; variablesDepth: number };
  /** An older ProcOSProcess that deploys the same process id (ids are global in the engine). */
  duplicateOf?: { namespace: string; name: string };
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
  | { kind: 'upToDate'; finalizer?: 'add' | 'remove'; checksum: string; bpmnProcessId: string; taskTypes: string[] };

function finalizerChange(f: ProcessFacts): 'add' | 'remove' | undefined {
  const has = f.finalizers.includes(FINALIZER);
  // A finalizer only when the engine must be cleaned up (deletionPolicy: Delete).
  if (f.deletionPolicy === 'Delete' && !has) return 'add';
  if (f.deletionPolicy === 'Retain' && has) return 'remove';
  return undefined;
}

/** Why the BPMN itself cannot be deployed by this resource, if it cannot. */
function bpmnFailure(bpmn: ProcessFacts['bpmn']): Failure | undefined {
  if (!bpmn || bpmn.problems.length || !bpmn.processIds.length) {
    const problems = bpmn?.problems.length ? bpmn.problems : ['the BPMN has no executable process'];
    return {
      reason: 'InvalidBPMN',
      message: problems.slice(0, 5).join('; ') + (problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''),
    };
  }
  // Both would deploy, status could name one, and deletionPolicy Delete would leave the other
  // behind: refuse rather than half-manage.
  if (bpmn.processIds.length > 1)
    return {
      reason: 'MultipleProcesses',
      message:
        `the BPMN has ${bpmn.processIds.length} executable processes (${listItems(bpmn.processIds)}); ` +
        'a ProcOSProcess deploys exactly one: split them into one resource each, or set isExecutable="false" on the others',
    };
  const id = bpmn.processIds[0] ?? '';
  if (id.length > MAX_PROCESS_ID_LENGTH)
    return {
      reason: 'InvalidBPMN',
      message: `process id ${quoteItem(id)} is ${id.length} characters long; at most ${MAX_PROCESS_ID_LENGTH} are supported`,
    };
  return undefined;
}

function startOnDeployFailure(f: ProcessFacts, bpmnProcessId: string): Failure | undefined {
  if (!f.startOnDeploy.enabled) return undefined;
  // Zeebe answers FAILED_PRECONDITION only after the deployment; say so before deploying.
  if (!f.bpmn?.noneStart)
    return {
      reason: 'StartOnDeployNotPossible',
      message:
        `startOnDeploy is enabled but process ${quoteItem(bpmnProcessId)} has no none start event ` +
        '(a message, timer or signal start cannot be started directly): add a plain start event or disable startOnDeploy',
    };
  if (f.startOnDeploy.variablesDepth > MAX_VARIABLES_DEPTH)
    return {
      reason: 'InvalidStartVariables',
      message: `startOnDeploy.variables nest ${f.startOnDeploy.variablesDepth} levels deep; at most ${MAX_VARIABLES_DEPTH} are allowed`,
    };
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
  const invalid = (failure: Failure, bpmnProcessId?: string, taskTypes?: string[]): ProcessPlan => ({
    kind: 'invalid',
    finalizer,
    failure,
    bpmnProcessId,
    taskTypes,
  });
  if (!f.source.ok) return invalid({ reason: f.source.reason, message: f.source.message });
  if (f.policy && !f.policy.ok) return invalid({ reason: f.policy.reason, message: f.policy.message });
  const bpmnFailed = bpmnFailure(f.bpmn);
  if (bpmnFailed || !f.bpmn) return invalid(bpmnFailed ?? { reason: 'InvalidBPMN', message: 'no BPMN' });
  const { taskTypes } = f.bpmn;
  const bpmnProcessId = f.bpmn.processIds[0] ?? '';
  if (f.duplicateOf) {
    const owner = `${f.duplicateOf.namespace}/${f.duplicateOf.name}`;
    return invalid(
      {
        reason: 'DuplicateProcessId',
        message:
          `process id ${quoteItem(bpmnProcessId)} is already deployed by ProcOSProcess ${owner}, which owns it ` +
          '(the oldest resource with an id owns it); ' +
          'process ids are global in the engine: give this process another id, or delete one of the two',
      },
      bpmnProcessId,
      taskTypes,
    );
  }
  const startFailed = startOnDeployFailure(f, bpmnProcessId);
  if (startFailed) return invalid(startFailed, bpmnProcessId, taskTypes);
  if (f.policy?.ok) {
    const disallowed = f.policy.disallowed(taskTypes);
    if (disallowed.length) {
      return invalid(
        {
          reason: 'TaskTypeNotAllowed',
          message: `job type${disallowed.length > 1 ? 's' : ''} ${listItems(disallowed)} not allowed by SandboxPolicy '${f.policy.name}'`,
        },
        bpmnProcessId,
        taskTypes,
      );
    }
  }
  const d = f.deployed;
  if (d.checksum === f.source.checksum && d.deployedCondition === 'True' && d.version && d.processDefinitionKey)
    return { kind: 'upToDate', finalizer, checksum: f.source.checksum, bpmnProcessId, taskTypes };
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

export type Outcome =
  | { ready: true; version: number; note?: string }
  | {
      ready: false;
      failure: Failure;
      transient: boolean;
      validated: boolean;
      /** Set when the definition is deployed and only what comes after failed (startOnDeploy). */
      deployedVersion?: number;
    };

/** The conditions a plan's outcome leads to (kstatus: Ready, Reconciling, Stalled; and ours). */
export function conditionsFor(outcome: Outcome): ConditionInput[] {
  const valid: ConditionInput = {
    type: 'Validated',
    status: 'True',
    reason: 'Valid',
    message: 'the BPMN is valid and every job type is allowed',
  };
  if (outcome.ready) {
    const msg = `version ${outcome.version} is deployed${outcome.note ? `; ${outcome.note}` : ''}`;
    return [
      { type: 'Ready', status: 'True', reason: 'Deployed', message: msg },
      valid,
      { type: 'Deployed', status: 'True', reason: 'Deployed', message: msg },
      { type: 'Reconciling', status: 'False', reason: 'Deployed', message: msg },
      { type: 'Stalled', status: 'False', reason: 'Deployed', message: msg },
    ];
  }
  const { failure, transient, validated, deployedVersion } = outcome;
  const { reason, message } = failure;
  return [
    { type: 'Ready', status: 'False', reason, message },
    validated ? valid : { type: 'Validated', status: 'False', reason, message },
    deployedVersion !== undefined
      ? { type: 'Deployed', status: 'True', reason: 'Deployed', message: `version ${deployedVersion} is deployed` }
      : { type: 'Deployed', status: transient ? 'Unknown' : 'False', reason, message },
    // kstatus: transient failures are still reconciling; invalid specs are stalled until edited.
    { type: 'Reconciling', status: transient ? 'True' : 'False', reason, message },
    { type: 'Stalled', status: transient ? 'False' : 'True', reason, message },
  ];
}
