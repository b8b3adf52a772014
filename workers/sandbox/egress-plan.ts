// What the sandbox needs for script.network: Allowlist, planned from script.egressAllowlist alone
// (pure, no I/O): the address:port pairs the in-sandbox forwarder listens on, the addresses it adds
// to `lo`, and the /etc/hosts that maps each allowlisted name to an address of its own. An entry
// the sandbox cannot enforce exactly is a problem (refused at start), never widened: the script
// reaches a destination only through a listener, and a listener needs one address and one port.
import { egressEntry, type EgressEntry } from '../egress.js';

export interface EgressListener {
  /** Where the forwarder listens inside the sandbox. */
  address: string;
  family: 4 | 6;
  port: number;
  /** The host name or address the worker is asked to connect to (checked again there). */
  destination: string;
}

export interface EgressPlan {
  listeners: EgressListener[];
  /** Non-loopback addresses added to the sandbox's `lo`, so a connect to them reaches a listener. */
  aliases: { address: string; family: 4 | 6 }[];
  hostsFile: string;
}

export type EgressPlanResult = { ok: true; plan: EgressPlan } | { ok: false; problems: string[] };

/** Where names are mapped inside the sandbox: 127.1.0.1, 127.1.0.2, … (all of 127/8 is `lo`). */
const NAME_NET = '127.1.0.';
const HOW = 'each entry must be host:port or address:port ([address]:port for IPv6)';

export function planScriptEgress(allowlist: readonly string[]): EgressPlanResult {
  const problems: string[] = [];
  const names = new Map<string, Set<number>>();
  const addresses = new Map<string, { family: 4 | 6; ports: Set<number> }>();
  for (const entry of allowlist) {
    let e: EgressEntry;
    try {
      e = egressEntry(entry);
    } catch (err) {
      // The pool-level wording names spec.egressAllowlist; this list is the script's.
      problems.push((err as Error).message.replace('spec.egressAllowlist', 'script.egressAllowlist'));
      continue;
    }
    const problem = unenforceable(entry, e);
    if (problem) problems.push(problem);
    else if (e.kind === 'host') add(names, e.host, e.port as number);
    else if (e.kind === 'address') {
      const a = addresses.get(e.address) ?? { family: e.family, ports: new Set<number>() };
      a.ports.add(e.port as number);
      addresses.set(e.address, a);
    }
  }
  if (problems.length) return { ok: false, problems };

  const listeners: EgressListener[] = [];
  const aliases: EgressPlan['aliases'] = [];
  for (const [address, { family, ports }] of addresses) {
    if (!isLoopback(address, family)) aliases.push({ address, family });
    for (const port of ports) listeners.push({ address, family, port, destination: address });
  }
  const hosts: string[] = [];
  let n = 0;
  for (const [name, ports] of names) {
    let address: string;
    do address = `${NAME_NET}${++n}`;
    while (addresses.has(address));
    hosts.push(`${address} ${name}`);
    for (const port of ports) listeners.push({ address, family: 4, port, destination: name });
  }
  const localhost = names.has('localhost') ? [] : ['127.0.0.1 localhost', '::1 localhost'];
  return { ok: true, plan: { listeners, aliases, hostsFile: [...localhost, ...hosts, ''].join('\n') } };
}

function unenforceable(entry: string, e: EgressEntry): string | undefined {
  const say = (why: string): string => `entry '${entry}' ${why}`;
  if (e.kind === 'subdomain')
    return say(
      'is a *.domain pattern: the sandbox resolves only the names listed (through its own /etc/hosts), ' +
        'not every name under a domain; list each host as host:port',
    );
  if (e.kind === 'address' && e.bits !== (e.family === 6 ? 128 : 32))
    return say(
      'is an address range: the sandbox forwards connections to the addresses it listens on, one by one, ' +
        'not to a whole range; list each address as address:port',
    );
  if (e.port === undefined) {
    const example = e.kind === 'host' ? e.host : e.family === 6 ? `[${e.address}]` : e.address;
    return say(
      `has no port: the sandbox forwards one port per entry (it cannot listen on all of them); write ${example}:PORT, ` +
        `e.g. ${example}:443`,
    );
  }
  return undefined;
}

function add(map: Map<string, Set<number>>, key: string, port: number): void {
  const ports = map.get(key) ?? new Set<number>();
  ports.add(port);
  map.set(key, ports);
}

function isLoopback(address: string, family: 4 | 6): boolean {
  return family === 4 ? address.startsWith('127.') : address === '::1';
}

/** The refusal at start for an allowlist the sandbox cannot enforce, or undefined. */
export function unenforceableAllowlist(allowlist: readonly string[] | undefined): string | undefined {
  if (!allowlist?.length)
    return 'SandboxPolicy script.network is Allowlist but script.egressAllowlist is empty; add host:port entries';
  const r = planScriptEgress(allowlist);
  if (r.ok) return undefined;
  return (
    `SandboxPolicy script.egressAllowlist cannot be enforced for Process isolation: ${r.problems.join('; ')} ` +
    `(${HOW})`
  );
}
