// Boot step 2: what this machine has, what is missing and how to get it. Nothing here is
// fatal except Node itself: a missing tool only disables what needs it (and says which).
import { spawnSync } from 'node:child_process';

export interface ToolCheck {
  tool: string;
  found: boolean;
  /** What needs it. */
  for: string;
  /** How to get it when missing. */
  install: string;
  version?: string;
}

const TOOLS: { tool: string; args: string[]; for: string; install: string }[] = [
  {
    tool: 'bwrap',
    args: ['--version'],
    for: 'the python and compute adapters (scripts run in a bubblewrap sandbox)',
    install: 'make host-tools (Debian: bubblewrap)',
  },
  {
    tool: 'python3',
    args: ['--version'],
    for: 'the python adapter',
    install: 'apt-get install python3',
  },
  {
    tool: 'scilab-cli',
    args: ['-version'],
    for: 'the compute adapter',
    install: 'make host-tools (Debian: scilab-cli)',
  },
];

function probe(tool: string, args: string[]): { found: boolean; version?: string } {
  const r = spawnSync(tool, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return { found: false };
  const first = `${r.stdout}${r.stderr}`.split('\n').find((l) => l.trim()) ?? '';
  return { found: true, version: first.trim().slice(0, 80) };
}

export function checkEnvironment(): ToolCheck[] {
  return TOOLS.map((t) => ({ tool: t.tool, for: t.for, install: t.install, ...probe(t.tool, t.args) }));
}

/** One line per tool for the boot log. */
export function describeChecks(checks: ToolCheck[]): string[] {
  return checks.map((c) =>
    c.found
      ? `  ✓ ${c.tool}${c.version ? ` (${c.version})` : ''}`
      : `  ✗ ${c.tool} missing: ${c.for} will fail; get it with: ${c.install}`,
  );
}
