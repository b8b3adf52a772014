// For tests that need the real sandbox: fail loudly (never skip) when the machine lacks it.
import { checkSandbox, which } from './sandbox-check.js';

const HINT = 'run `make host-tools` (installs the Debian packages bubblewrap and scilab-cli)';

export async function requireSandbox(): Promise<void> {
  const check = await checkSandbox();
  if (!check.ok) throw new Error(`${check.reason}; ${HINT}`);
}

export async function requireScilab(): Promise<void> {
  await requireSandbox();
  if (!which('scilab-cli', '/usr/bin')) throw new Error(`/usr/bin/scilab-cli not found; ${HINT}`);
}
