import { describe, expect, it } from 'vitest';
import { FINALIZER, planProcess, type ProcessFacts } from './process-plan.js';

const base: ProcessFacts = {
  deleting: false,
  finalizers: [],
  deletionPolicy: 'Retain',
  deployed: {},
  source: { ok: true, xml: '<x/>', checksum: 'c1', resourceName: 'ns_hello.bpmn' },
  bpmn: { problems: [], processIds: ['hello'], taskTypes: ['hello.greet'], noneStart: true },
  startOnDeploy: { enabled: false, variablesDepth: 1 },
};
const deployedC1 = { checksum: 'c1', deployedCondition: 'True', version: 1, processDefinitionKey: '7' } as const;

describe('planProcess', () => {
  it.each<[string, Partial<ProcessFacts>, string, Record<string, unknown>?]>([
    ['deploys a new valid process', {}, 'deploy'],
    ['does nothing when the deployed checksum matches', { deployed: deployedC1 }, 'upToDate'],
    ['redeploys when the checksum changed', { deployed: { ...deployedC1, checksum: 'c0' } }, 'deploy'],
    [
      'retries a deployment that did not finish',
      { deployed: { checksum: 'c1', deployedCondition: 'Unknown' } },
      'deploy',
    ],
    [
      'reports invalid BPMN',
      { bpmn: { problems: ["line 3, element 'x': bad"], processIds: [], taskTypes: [], noneStart: false } },
      'invalid',
      { failure: { reason: 'InvalidBPMN', message: "line 3, element 'x': bad" } },
    ],
    [
      'reports a BPMN without an executable process',
      { bpmn: { problems: [], processIds: [], taskTypes: [], noneStart: false } },
      'invalid',
      { failure: { reason: 'InvalidBPMN', message: 'the BPMN has no executable process' } },
    ],
    [
      'refuses two executable processes in one resource, naming them',
      { bpmn: { problems: [], processIds: ['a', 'b'], taskTypes: [], noneStart: false } },
      'invalid',
      {
        failure: {
          reason: 'MultipleProcesses',
          message: expect.stringMatching(
            /^the BPMN has 2 executable processes \('a', 'b'\); a ProcOSProcess deploys exactly one/,
          ) as unknown,
        },
      },
    ],
    [
      'refuses a process id longer than status can hold',
      { bpmn: { problems: [], processIds: ['p'.repeat(300)], taskTypes: [], noneStart: true } },
      'invalid',
      {
        failure: {
          reason: 'InvalidBPMN',
          message: expect.stringMatching(/is 300 characters long; at most 255/) as unknown,
        },
      },
    ],
    [
      'refuses a process id an older resource already deploys, naming it',
      { duplicateOf: { namespace: 'team-a', name: 'hello' } },
      'invalid',
      {
        bpmnProcessId: 'hello',
        failure: {
          reason: 'DuplicateProcessId',
          message: expect.stringContaining(
            "process id 'hello' is already deployed by ProcOSProcess team-a/hello",
          ) as unknown,
        },
      },
    ],
    [
      'refuses startOnDeploy for a process without a none start event, naming the process',
      {
        startOnDeploy: { enabled: true, variablesDepth: 1 },
        bpmn: { problems: [], processIds: ['on-message'], taskTypes: [], noneStart: false },
      },
      'invalid',
      {
        failure: {
          reason: 'StartOnDeployNotPossible',
          message: expect.stringContaining("process 'on-message' has no none start event") as unknown,
        },
      },
    ],
    [
      'accepts a message start when startOnDeploy is off',
      { bpmn: { problems: [], processIds: ['on-message'], taskTypes: [], noneStart: false } },
      'deploy',
    ],
    [
      'refuses startOnDeploy variables nested too deep',
      { startOnDeploy: { enabled: true, variablesDepth: 5000 } },
      'invalid',
      {
        failure: {
          reason: 'InvalidStartVariables',
          message: 'startOnDeploy.variables nest 5000 levels deep; at most 32 are allowed',
        },
      },
    ],
    [
      'reports a missing ConfigMap',
      { source: { ok: false, reason: 'ConfigMapNotFound', message: 'no ConfigMap' } },
      'invalid',
    ],
    [
      'rejects job types the policy does not allow',
      { policy: { ok: true, name: 'p', disallowed: (t) => t } },
      'invalid',
      { failure: { reason: 'TaskTypeNotAllowed', message: "job type 'hello.greet' not allowed by SandboxPolicy 'p'" } },
    ],
    [
      'names at most ten disallowed job types',
      {
        policy: { ok: true, name: 'p', disallowed: (t) => t },
        bpmn: {
          problems: [],
          processIds: ['many'],
          taskTypes: Array.from({ length: 300 }, (_, i) => `t${i}`),
          noneStart: true,
        },
      },
      'invalid',
      {
        failure: {
          reason: 'TaskTypeNotAllowed',
          message: expect.stringMatching(/'t9' and 290 more not allowed/) as unknown,
        },
      },
    ],
    [
      'reports a missing policy',
      { policy: { ok: false, reason: 'SandboxPolicyNotFound', message: 'gone' } },
      'invalid',
    ],
    ['adds the finalizer for deletionPolicy Delete', { deletionPolicy: 'Delete' }, 'deploy', { finalizer: 'add' }],
    [
      'removes a finalizer when the policy becomes Retain',
      { finalizers: [FINALIZER] },
      'deploy',
      { finalizer: 'remove' },
    ],
    [
      'deletes from the engine when finalizing with Delete',
      { deleting: true, deletionPolicy: 'Delete', finalizers: [FINALIZER], deployed: { processDefinitionKey: '42' } },
      'finalize',
      { deleteFromEngine: '42', removeFinalizer: true },
    ],
    [
      'leaves the engine alone when finalizing with Retain',
      { deleting: true, finalizers: [FINALIZER], deployed: { processDefinitionKey: '42' } },
      'finalize',
      { deleteFromEngine: undefined, removeFinalizer: true },
    ],
  ])('%s', (_name, facts, kind, extra) => {
    const plan = planProcess({ ...base, ...facts });
    expect(plan.kind).toBe(kind);
    if (extra) expect(plan).toMatchObject(extra);
  });
});
