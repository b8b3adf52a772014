// For tests: a SandboxPolicy spec with every default except the given `script` limits.
import { sandboxPolicySpec, type SandboxPolicySpec } from '../../operator/api/index.js';

export function scriptTestPolicy(script: Record<string, unknown>): SandboxPolicySpec {
  return sandboxPolicySpec.parse({ allowedTaskTypes: ['*'], script });
}
