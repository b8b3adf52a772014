// script.network: Allowlist for Process isolation. The sandbox keeps no route out; per run:
// - the worker listens on a unix socket of its own (egress-proxy.ts), bound into the sandbox at
//   /run/procos/egress.sock, and checks every request against script.egressAllowlist;
// - a generated /etc/hosts (with nsswitch "hosts: files") maps each allowlisted name to 127.1.0.N,
//   so `urlopen("http://api.example:8080/")` resolves inside and any other name does not;
// - egress-forwarder.py runs first (as /usr/bin/python3, before the script, for every adapter):
//   it makes its own network namespace (only `lo`), listens on each allowlisted address:port,
//   drops every capability and execs the script; its detached child forwards each connection.
// The capabilities bwrap grants are needed for that setup only (a network namespace of its own,
// `lo` up, addresses on `lo`, ports below 1024) and are held in the sandbox's nested user
// namespace, i.e. over nothing of the host; the forwarder drops them all before the script runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { projectRoot } from '../../lib/cli/version.js';
import { planScriptEgress, type EgressPlan } from './egress-plan.js';
import { startEgressProxy, type EgressProxy, MAX_CONNECTIONS } from './egress-proxy.js';
import type { ScriptLimits } from './script-policy.js';

/** The forwarder's interpreter inside the sandbox (Debian's; compute runs it too). */
export const EGRESS_PYTHON = '/usr/bin/python3';
const DIR = '/run/procos';
const FORWARDER = `${DIR}/egress-forwarder.py`;
const CONFIG = `${DIR}/egress.json`;
const SOCKET = `${DIR}/egress.sock`;
const SETUP_CAPABILITIES = ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE', 'CAP_SETPCAP'];

/** A file bound read-only at an absolute path inside the sandbox. */
export interface BoundFile {
  path: string;
  content: string | Buffer;
}

export interface SandboxEgress {
  bwrapArgs: string[];
  files: BoundFile[];
  /** The command line that runs `argv` behind the forwarder. */
  argv(argv: string[]): string[];
  proxy: EgressProxy;
}

let forwarderSource: string | undefined;

function forwarder(): string {
  // A file of the source tree (dist/ holds only compiled TypeScript), read once.
  forwarderSource ??= readFileSync(join(projectRoot(), 'workers/sandbox/egress-forwarder.py'), 'utf8');
  return forwarderSource;
}

/** Starts the worker's end for one run; the caller closes `proxy` when the run ends. */
export async function startScriptEgress(
  limits: ScriptLimits,
  uid: number | undefined,
  log: Pick<Logger, 'info' | 'warn'> | undefined,
): Promise<SandboxEgress> {
  const allowlist = limits.egressAllowlist ?? [];
  const planned = planScriptEgress(allowlist);
  // The adapters refuse such a policy at start; a direct caller gets the same reason.
  if (!planned.ok) throw new Error(`script.egressAllowlist cannot be enforced: ${planned.problems.join('; ')}`);
  const source = forwarder();
  const proxy = await startEgressProxy({
    allowlist,
    destinations: planned.plan.listeners,
    ...(uid !== undefined && { uid }),
    log,
  });
  return {
    bwrapArgs: [
      ...SETUP_CAPABILITIES.flatMap((c) => ['--cap-add', c]),
      '--ro-bind',
      proxy.socketPath,
      SOCKET,
      // Public CA certificates, so TLS to an allowlisted host verifies (not /etc/ssl/private).
      '--ro-bind-try',
      '/etc/ssl/certs',
      '/etc/ssl/certs',
    ],
    files: [
      { path: FORWARDER, content: source },
      { path: CONFIG, content: forwarderConfig(planned.plan) },
      { path: '/etc/hosts', content: planned.plan.hostsFile },
      { path: '/etc/nsswitch.conf', content: 'hosts: files\n' },
    ],
    argv: (argv) => [EGRESS_PYTHON, '-I', '-S', FORWARDER, CONFIG, '--', ...argv],
    proxy,
  };
}

function forwarderConfig(plan: EgressPlan): string {
  return JSON.stringify({
    socket: SOCKET,
    maxConnections: MAX_CONNECTIONS,
    listeners: plan.listeners,
    aliases: plan.aliases,
  });
}

// What a refused or unresolvable destination looks like from inside (Python, curl, Scilab).
const NETWORK_FAILURE =
  /Connection refused|Network is unreachable|Connection reset|Name or service not known|Temporary failure in name resolution|Could(n't| not) (resolve|connect)/i;

/**
 * Words for a failed run's message: what the worker refused or could not reach, and — when the
 * script failed on a network error — which destinations the sandbox lets it reach at all.
 */
export function egressNote(limits: ScriptLimits, problems: readonly string[], stderr: string): string | undefined {
  const parts = [...problems];
  if (problems.length || NETWORK_FAILURE.test(stderr))
    parts.push(
      `script.network is Allowlist: the script reaches only ${(limits.egressAllowlist ?? []).join(', ')} ` +
        '(script.egressAllowlist); any other destination is refused or does not resolve inside the sandbox',
    );
  return parts.length ? parts.join('; ') : undefined;
}
