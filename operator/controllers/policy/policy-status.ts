// SandboxPolicy status (pure): which pools and processes use the policy, and whether it is
// usable. The policy owns nothing: its dependents enforce it (they watch it and re-reconcile
// when it changes), so this status is the answer to "what does editing this policy touch?".
import { compileGlobs } from '../../../lib/policy/task-type-glob.js';
import { MAX_LISTED_DEPENDENTS, type SandboxPolicySpec } from '../../api/index.js';
import type { ConditionInput } from '../../runtime/conditions.js';

export interface PolicyStatusFields {
  workerPools: string[];
  workerPoolCount: number;
  processes: string[];
  processCount: number;
}

export function policyStatus(
  spec: SandboxPolicySpec,
  dependents: { workerPools: string[]; processes: string[] },
): { fields: PolicyStatusFields; ready: ConditionInput } {
  const sorted = (names: string[]) => [...new Set(names)].sort().slice(0, MAX_LISTED_DEPENDENTS);
  const fields = {
    workerPools: sorted(dependents.workerPools),
    workerPoolCount: new Set(dependents.workerPools).size,
    processes: sorted(dependents.processes),
    processCount: new Set(dependents.processes).size,
  };
  const use = `used by ${fields.workerPoolCount} WorkerPool(s) and ${fields.processCount} ProcOSProcess(es)`;
  const invalid = compileGlobs(spec.allowedTaskTypes).invalid;
  const ready: ConditionInput = invalid.length
    ? {
        type: 'Ready',
        status: 'False',
        reason: 'InvalidSandboxPolicy',
        message: `allowedTaskTypes has globs the operator cannot use: ${invalid
          .slice(0, 5)
          .map((g) => `${g.glob} (${g.error})`)
          .join(', ')}; ${use}`,
      }
    : { type: 'Ready', status: 'True', reason: 'Valid', message: use };
  return { fields, ready };
}
