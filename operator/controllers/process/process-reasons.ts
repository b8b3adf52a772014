// The reasons a ProcOSProcess's Ready condition can carry: stable API, listed in the README.
// Messages are for people and may change; reasons are for kubectl wait, alerts and scripts.
export const READY_REASONS = {
  Deployed: 'the latest BPMN is deployed (and its startOnDeploy instance started, when enabled)',
  InvalidBPMN: 'the BPMN does not compile, has no executable process, or the engine rejected it',
  MultipleProcesses: 'the BPMN has more than one executable process; a ProcOSProcess deploys exactly one',
  DuplicateProcessId: 'an older ProcOSProcess (in any namespace) already deploys this process id',
  TaskTypeNotAllowed: "a job type is not allowed by the SandboxPolicy's allowedTaskTypes",
  SandboxPolicyNotFound: 'the referenced SandboxPolicy does not exist',
  InvalidSandboxPolicy: 'the referenced SandboxPolicy has a glob the operator cannot use',
  ConfigMapNotFound: 'the referenced ConfigMap does not exist',
  ConfigMapKeyNotFound: 'the referenced ConfigMap has no such key',
  StartOnDeployNotPossible: 'startOnDeploy is enabled but the process has no none start event',
  InvalidStartVariables: 'startOnDeploy.variables cannot be sent to the engine (too deeply nested)',
  StartOnDeployFailed: 'the engine refused to start the instance of the new version',
  EngineUnavailable: 'the engine cannot be reached (retried with backoff)',
  EngineUnauthorized: 'the engine refused the credentials (retried with backoff)',
  EngineError: 'the engine failed in a way the operator does not recognise (retried with backoff)',
  DeletionBlocked: 'the resource is being deleted, but the engine cleanup of deletionPolicy Delete fails',
} as const;

export type ReadyReason = keyof typeof READY_REASONS;

/** A plan's or an engine call's failure, in the words of the Ready condition. */
export interface Failure {
  reason: ReadyReason;
  message: string;
}
