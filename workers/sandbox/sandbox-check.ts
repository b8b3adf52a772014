// Whether scripts can be sandboxed here: bwrap, setpriv and prlimit found on PATH, and one trivial
// sandboxed run that succeeds and does not run as root. Adapters refuse at start with the reason,
// so a script never runs unsandboxed. The result is cached per PATH (one run per worker).
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { sandboxPolicySpec } from '../../operator/api/index.js';
import { EGRESS_PYTHON } from './script-egress.js';
import { runSandboxed } from './script-sandbox.js';

export interface SandboxTools {
  bwrap: string;
  setpriv: string;
  prlimit: string;
  /** Root drops to an unprivileged uid with setpriv before bwrap. */
  asRoot: boolean;
  /** How /proc is mounted: fresh where allowed, else read-only from the host (containers). */
  procArgs: string[];
  /**
   * bwrap --disable-userns (the script cannot create user namespaces of its own). It writes
   * /proc/sys/user/max_user_namespaces inside the sandbox, which a container's read-only /proc/sys
   * refuses: there the script is bounded by the pod's seccomp profile instead.
   */
  disableUserns: boolean;
}

export type SandboxCheck = { ok: true; tools: SandboxTools } | { ok: false; reason: string };

const INSTALL = 'install the Debian packages bubblewrap and util-linux (`make host-tools`)';
const cache = new Map<string, Promise<SandboxCheck>>();

/** Finds an executable on a PATH-like list of folders. */
export function which(name: string, path: string): string | undefined {
  for (const dir of path.split(':').filter(Boolean)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // next folder
    }
  }
  return undefined;
}

/** Checks once per PATH (default: the worker's) and caches the answer. */
export function checkSandbox(path: string = process.env.PATH ?? '/usr/bin:/bin'): Promise<SandboxCheck> {
  let check = cache.get(path);
  if (!check) {
    check = probe(path);
    cache.set(path, check);
  }
  return check;
}

async function probe(path: string): Promise<SandboxCheck> {
  const found = Object.fromEntries(['bwrap', 'setpriv', 'prlimit'].map((n) => [n, which(n, path)]));
  const missing = Object.keys(found).filter((n) => !found[n]);
  if (missing.length)
    return {
      ok: false,
      reason: `script sandbox unavailable: ${missing.join(', ')} not found on PATH (${path}); ${INSTALL}`,
    };
  const base = {
    bwrap: found.bwrap as string,
    setpriv: found.setpriv as string,
    prlimit: found.prlimit as string,
    asRoot: process.getuid?.() === 0,
  };
  const limits = sandboxPolicySpec.parse({ allowedTaskTypes: ['*'] }).script;
  let last = '';
  // Strictest first. A fresh /proc fails inside containers (runc's masked paths); the host's,
  // read-only, works there. --disable-userns fails on a container's read-only /proc/sys.
  const tries: Pick<SandboxTools, 'procArgs' | 'disableUserns'>[] = [
    { procArgs: ['--proc', '/proc'], disableUserns: true },
    { procArgs: ['--ro-bind', '/proc', '/proc'], disableUserns: true },
    { procArgs: ['--ro-bind', '/proc', '/proc'], disableUserns: false },
  ];
  for (const t of tries) {
    const tools = { ...base, ...t };
    const r = await runSandboxed(tools, { ...limits, wallTimeSeconds: 10 }, { argv: ['/usr/bin/id', '-u'] });
    if (r.failure) {
      last = r.failure.message;
      continue;
    }
    if (r.stdout.trim() === '0')
      return { ok: false, reason: 'script sandbox unsafe: the trial run inside bwrap ran as root (uid 0)' };
    return { ok: true, tools };
  }
  return {
    ok: false,
    reason:
      `script sandbox unavailable: a trial bwrap run failed (${last}); user namespaces must be allowed ` +
      '(sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0; in a pod, a seccomp profile ' +
      'that allows unshare with CLONE_NEWUSER)',
  };
}

const egressChecks = new WeakMap<SandboxTools, Promise<string | undefined>>();

/**
 * Why script.network Allowlist cannot work here, or undefined: a trial run of the forwarder
 * (listening on a port below 1024 and on a mapped name, then running /usr/bin/true), once per tools.
 */
export function checkScriptEgress(tools: SandboxTools): Promise<string | undefined> {
  let check = egressChecks.get(tools);
  if (!check) {
    check = probeEgress(tools);
    egressChecks.set(tools, check);
  }
  return check;
}

async function probeEgress(tools: SandboxTools): Promise<string | undefined> {
  if (!which('python3', '/usr/bin'))
    return `script.network Allowlist needs ${EGRESS_PYTHON} (its forwarder runs on it inside the sandbox); install python3`;
  const limits = sandboxPolicySpec.parse({
    allowedTaskTypes: ['*'],
    script: { wallTimeSeconds: 10, network: 'Allowlist', egressAllowlist: ['127.0.0.1:9', 'probe.invalid:9'] },
  }).script;
  const r = await runSandboxed(tools, limits, { argv: ['/usr/bin/true'] });
  if (!r.failure) return undefined;
  return (
    `script.network Allowlist is unavailable: a trial run of its forwarder failed (${r.failure.message}); it ` +
    'needs unshare(CLONE_NEWNET) inside the sandbox — in a pod, a seccomp profile that allows it as well as ' +
    'CLONE_NEWUSER'
  );
}
