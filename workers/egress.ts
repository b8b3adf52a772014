// The SandboxPolicy's spec.egressAllowlist, enforced by the worker for its network adapters
// (http, smtp, ai). The check runs on the address the connection will actually use: a name is
// resolved once, every resolved address is checked, and only allowed ones are handed to the
// socket — so a DNS answer that changes between a check and the connect (DNS rebinding) cannot
// slip a forbidden address through.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { SandboxPolicySpec } from '../operator/api/index.js';

/** A connection the SandboxPolicy does not allow; permanent (retrying cannot help). */
export class EgressDenied extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EgressDenied';
  }
}

interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** One egressAllowlist entry as read by the worker (the script sandbox plans its listeners from these). */
export type EgressEntry =
  | { kind: 'host'; host: string; port?: number }
  | { kind: 'subdomain'; suffix: string; port?: number }
  /** A literal address (bits = 32 or 128) or a CIDR; address as written, without brackets. */
  | { kind: 'address'; address: string; family: 4 | 6; bits: number; port?: number };

type Rule =
  Exclude<EgressEntry, { kind: 'address' }> | (Extract<EgressEntry, { kind: 'address' }> & { list: BlockList });

/**
 * Resolves host (dns.lookup, all addresses) and checks host name, port and every resolved
 * address against policy.egressAllowlist; returns the address to connect to. No allowlist →
 * allowed. Node skips a `lookup` option for an IP literal, so call this before connecting to one.
 */
export async function resolveAllowed(
  policy: Pick<SandboxPolicySpec, 'egressAllowlist'>,
  host: string,
  port: number,
): Promise<{ address: string; family: 4 | 6 }> {
  const [first] = await resolveAllAllowed(policy, host, port, 0);
  // resolveAllAllowed throws rather than return nothing; this keeps the type honest.
  if (!first) throw new EgressDenied(`egress to ${host}:${port}: the name resolved to no address`);
  return first;
}

/**
 * A `lookup` option for node:net/http/https/tls (and nodemailer's socket) that performs the same
 * check, so the connection goes to exactly the address that was checked (no DNS-rebinding gap).
 * The callback receives the EgressDenied itself, so the socket's 'error' is that instance.
 */
export function allowedLookup(policy: Pick<SandboxPolicySpec, 'egressAllowlist'>, port: number): LookupFunction {
  return (hostname, options, callback) => {
    resolveAllAllowed(policy, hostname, port, options.family).then(
      (addresses) => {
        const first = addresses[0] as ResolvedAddress;
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}

async function resolveAllAllowed(
  policy: Pick<SandboxPolicySpec, 'egressAllowlist'>,
  host: string,
  port: number,
  family: number | string | undefined,
): Promise<ResolvedAddress[]> {
  const name = normalizeHost(host);
  const literal = isIP(name);
  const resolved: ResolvedAddress[] = literal
    ? [{ address: name, family: literal === 6 ? 6 : 4 }]
    : (await lookup(name, { all: true, order: 'verbatim' })).map((a) => ({
        address: a.address,
        family: a.family === 6 ? 6 : 4,
      }));
  const wanted = family === 4 || family === 'IPv4' ? 4 : family === 6 || family === 'IPv6' ? 6 : 0;
  const candidates = wanted ? resolved.filter((a) => a.family === wanted) : resolved;
  if (!candidates.length)
    throw Object.assign(new Error(`${name} has no IPv${wanted || ''} address`), { code: 'ENOTFOUND', hostname: name });
  const allowlist = policy.egressAllowlist;
  if (!allowlist) return candidates;
  const rules = rulesOf(allowlist);
  const allowed = candidates.filter((a) => rules.some((r) => matches(r, name, port, a)));
  if (allowed.length) return allowed;
  throw new EgressDenied(deniedMessage(name, port, candidates, allowlist, literal !== 0));
}

function deniedMessage(
  host: string,
  port: number,
  addresses: readonly ResolvedAddress[],
  allowlist: readonly string[],
  literal: boolean,
): string {
  const shown = addresses.map((a) => a.address).join(', ') || 'no address';
  const list = allowlist.length ? allowlist.join(', ') : 'empty: no egress allowed';
  const entry = literal
    ? `${host}, ${host}:${port} or a CIDR containing it`
    : `${host}, ${host}:${port}, a *.domain above it or a CIDR containing ${addresses[0]?.address ?? 'its address'}`;
  return (
    `egress to ${host} port ${port} (address ${shown}) is not allowed by the SandboxPolicy's egressAllowlist ` +
    `(${list}); add an entry (${entry}) to the SandboxPolicy's spec.egressAllowlist if this connection is intended`
  );
}

function matches(rule: Rule, host: string, port: number, a: ResolvedAddress): boolean {
  if (rule.port !== undefined && rule.port !== port) return false;
  switch (rule.kind) {
    case 'host':
      return host === rule.host;
    case 'subdomain':
      return host.length > rule.suffix.length && host.endsWith(rule.suffix);
    case 'address':
      return rule.list.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** Lower case, no trailing dot, no brackets around an IPv6 literal (URL.hostname keeps them). */
function normalizeHost(host: string): string {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

// Policies are parsed once per loaded pool; the allowlist array is the cache key.
const parsedRules = new WeakMap<readonly string[], Rule[]>();

function rulesOf(allowlist: readonly string[]): Rule[] {
  let rules = parsedRules.get(allowlist);
  if (!rules) {
    rules = allowlist.map(parseRule);
    parsedRules.set(allowlist, rules);
  }
  return rules;
}

/** Reads one egressAllowlist entry; throws naming the entry when it cannot be read. */
export function egressEntry(entry: string): EgressEntry {
  const rule = parseRule(entry);
  if (rule.kind !== 'address') return rule;
  const { kind, address, family, bits, port } = rule;
  return { kind, address, family, bits, ...(port !== undefined && { port }) };
}

function parseRule(entry: string): Rule {
  const bad = (why: string): Error =>
    new Error(`the SandboxPolicy's egressAllowlist entry '${entry}' ${why}; fix spec.egressAllowlist`);
  const parsePort = (p: string | undefined): number | undefined => {
    if (p === undefined) return undefined;
    const n = Number(p);
    if (!/^\d{1,5}$/.test(p) || n < 1 || n > 65535) throw bad('has a port that is not 1-65535');
    return n;
  };
  const addressRule = (addr: string, prefix: string | undefined, port: number | undefined): Rule => {
    const family = isIP(addr);
    if (!family) throw bad('is not an IP address or CIDR');
    const kind = family === 6 ? 'ipv6' : 'ipv4';
    const list = new BlockList();
    const full = family === 6 ? 128 : 32;
    let bits = full;
    if (prefix === undefined) list.addAddress(addr, kind);
    else {
      bits = Number(prefix);
      if (!/^\d{1,3}$/.test(prefix) || bits > full) throw bad(`has a prefix length that is not 0-${full}`);
      list.addSubnet(addr, bits, kind);
    }
    return {
      kind: 'address',
      address: addr,
      family: family === 6 ? 6 : 4,
      bits,
      list,
      ...(port !== undefined && { port }),
    };
  };

  const e = entry.trim().toLowerCase();
  // [v6], [v6]:port, [v6/prefix], [v6/prefix]:port
  const bracketed = /^\[([^\]/]+)(?:\/([^\]]*))?\](?::(.*))?$/.exec(e);
  if (bracketed) return addressRule(bracketed[1] as string, bracketed[2], parsePort(bracketed[3]));
  if (isIP(e)) return addressRule(e, undefined, undefined);
  // CIDR, optionally with a port after the prefix: 10.0.0.0/8, 10.0.0.0/8:443, fd00::/8
  const cidr = /^([^/]+)\/([^:]*)(?::(.*))?$/.exec(e);
  if (cidr) return addressRule(cidr[1] as string, cidr[2], parsePort(cidr[3]));
  const colon = e.lastIndexOf(':');
  const host = colon === -1 ? e : e.slice(0, colon);
  const port = colon === -1 ? undefined : parsePort(e.slice(colon + 1));
  if (isIP(host)) return addressRule(host, undefined, port);
  const withPort = port !== undefined ? { port } : {};
  if (host.startsWith('*.')) {
    const suffix = host.slice(1).replace(/\.$/, '');
    if (suffix.length < 2 || suffix.includes('*')) throw bad('is not a *.domain pattern');
    return { kind: 'subdomain', suffix, ...withPort };
  }
  if (!host || host.includes('*')) throw bad('is not a host name (a * is only allowed as the first label: *.domain)');
  return { kind: 'host', host: host.replace(/\.$/, ''), ...withPort };
}
