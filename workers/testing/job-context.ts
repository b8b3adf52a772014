// A JobContext for calling an adapter's execute() directly in a unit test: silent logger, the
// default SandboxPolicy (or the given spec), a signal that never aborts unless the test passes one.
import { pino } from 'pino';
import { sandboxPolicySpec, type SandboxPolicySpec } from '../../operator/api/index.js';
import type { AdapterEnvironment, JobContext } from '../adapters/service-adapter.js';

/** The SandboxPolicy spec with every default, plus the given fields. */
export function testPolicy(
  spec: Partial<Omit<SandboxPolicySpec, 'allowedTaskTypes'>> & Record<string, unknown> = {},
): SandboxPolicySpec {
  return sandboxPolicySpec.parse({ allowedTaskTypes: ['*'], ...spec });
}

export function testEnvironment(policy: SandboxPolicySpec = testPolicy()): AdapterEnvironment {
  return { policy, log: pino({ level: 'silent' }) };
}

export function testJobContext(o: Partial<JobContext> = {}): JobContext {
  return {
    jobKey: '1',
    jobType: 'test',
    processInstanceKey: '2',
    elementId: 'task',
    headers: {},
    signal: new AbortController().signal,
    ...testEnvironment(o.policy),
    ...o,
  };
}
