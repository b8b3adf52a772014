// Which SandboxPolicy `script` settings this worker can honour. Anything else is refused at start:
// a script never runs with less isolation than its policy asks for.
import type { SandboxPolicySpec } from '../../operator/api/index.js';
import { unenforceableAllowlist } from './egress-plan.js';

export type ScriptLimits = SandboxPolicySpec['script'];

/** Why this worker cannot run scripts under these limits; undefined when it can. */
export function unsupportedScriptPolicy(limits: ScriptLimits): string | undefined {
  // A script pod has no network at all (the operator's deny-all NetworkPolicy): no allowlist there.
  if (limits.isolation === 'Pod' && limits.network === 'Allowlist')
    return (
      'SandboxPolicy script.network Allowlist needs script.isolation Process (a script pod has no network); ' +
      'use isolation Process, or network None'
    );
  if (limits.network === 'Allowlist') return unenforceableAllowlist(limits.egressAllowlist);
  return undefined;
}
