import { describe, expect, it } from 'vitest';
import { FINALIZER, planProcess, type ProcessFacts } from './process-plan.js';

const base: ProcessFacts = {
  deleting: false,
  finalizers: [],
  deletionPolicy: 'Retain',
  deployed: {},
  source: { ok: true, xml: '<x/>', checksum: 'c1', resourceName: 'ns_hello.bpmn' },
  bpmn: { problems: [], bpmnProcessId: 'hello', taskTypes: ['hello.greet'] },
};

describe('planProcess', () => {
  it.each<[string, Partial<ProcessFacts>, string, Record<string, unknown>?]>([
    ['deploys a new valid process', {}, 'deploy'],
    [
      'does nothing when the deployed checksum matches',
      { deployed: { checksum: 'c1', deployedCondition: 'True', version: 1 } },
      'upToDate',
    ],
    [
      'redeploys when the checksum changed',
      { deployed: { checksum: 'c0', deployedCondition: 'True', version: 1 } },
      'deploy',
    ],
    [
      'retries a deployment that did not finish',
      { deployed: { checksum: 'c1', deployedCondition: 'Unknown' } },
      'deploy',
    ],
    [
      'reports invalid BPMN',
      { bpmn: { problems: ["line 3, element 'x': bad"], taskTypes: [] } },
      'invalid',
      { failure: { reason: 'InvalidBPMN', message: "line 3, element 'x': bad" } },
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
