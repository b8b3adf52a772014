// Which SandboxPolicy `script` settings this worker can honour. Anything else is refused at start:
// a script never runs with less isolation than its policy asks for.
import type { SandboxPolicySpec } from '../../operator/api/index.js';
import { unenforceableAllowlist } from './egress-plan.js';

export type ScriptLimits = SandboxPolicySpec['script'];

/** Why this worker cannot run scripts under these limits; undefined when it can. */
export function unsupportedScriptPolicy(limits: ScriptLimits): string | undefined {
  if (limits.isolation !== 'Process')
    return (
      `SandboxPolicy script.isolation is ${limits.isolation}, but this worker only runs Process isolation ` +
      '(a bubblewrap sandbox inside the worker); Pod isolation is run by the operator — use isolation: Process ' +
      'for this pool'
    );
  if (limits.network === 'Allowlist') return unenforceableAllowlist(limits.egressAllowlist);
  return undefined;
}
