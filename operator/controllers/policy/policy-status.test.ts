import { describe, expect, it } from 'vitest';
import { sandboxPolicySpec } from '../../api/index.js';
import { policyStatus } from './policy-status.js';

describe('SandboxPolicy status', () => {
  it('lists its pools and processes, sorted and counted, Ready Valid', () => {
    const s = policyStatus(sandboxPolicySpec.parse({ allowedTaskTypes: ['io.*'] }), {
      workerPools: ['mailers', 'http'],
      processes: ['orders'],
    });
    expect(s.fields).toEqual({
      workerPools: ['http', 'mailers'],
      workerPoolCount: 2,
      processes: ['orders'],
      processCount: 1,
    });
    expect(s.ready).toMatchObject({
      status: 'True',
      reason: 'Valid',
      message: 'used by 2 WorkerPool(s) and 1 ProcOSProcess(es)',
    });
  });

  it('lists at most 100 of each, and counts them all', () => {
    const many = Array.from({ length: 150 }, (_, i) => `p${String(i).padStart(3, '0')}`);
    const s = policyStatus(sandboxPolicySpec.parse({ allowedTaskTypes: ['*'] }), { workerPools: many, processes: [] });
    expect(s.fields.workerPools).toHaveLength(100);
    expect(s.fields.workerPoolCount).toBe(150);
  });

  it('a glob stored before the CRD refused it: Ready False InvalidSandboxPolicy, naming it', () => {
    const spec = { ...sandboxPolicySpec.parse({ allowedTaskTypes: ['ok'] }), allowedTaskTypes: ['[z-a]'] };
    expect(policyStatus(spec, { workerPools: [], processes: [] }).ready).toMatchObject({
      status: 'False',
      reason: 'InvalidSandboxPolicy',
    });
  });
});
