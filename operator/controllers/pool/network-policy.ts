// The NetworkPolicy of a pool's worker pods, from its SandboxPolicy's egressAllowlist (pure).
// Ingress: only the worker's HTTP port (metrics, probes). Egress, when the policy lists
// destinations: DNS, the engine, and each entry as far as a NetworkPolicy can say it — CIDRs and
// IP:port exactly, host:port as "that port to any address" (a NetworkPolicy knows no names; the
// worker checks the resolved address itself). An entry with neither a port nor an address
// (`example.com`, `*.example.com`) cannot be narrowed at all: egress stays open and the note says why.
import { isIP } from 'node:net';
import type { KubeManifest } from './worker-objects.js';

interface Peer {
  ipBlock?: { cidr: string };
}
interface Port {
  protocol: 'TCP' | 'UDP';
  port: number;
}
interface EgressRule {
  to?: Peer[];
  ports?: Port[];
}

export interface WorkerNetworkPolicy {
  networkPolicy: KubeManifest;
  /** Why egress is less narrow than the allowlist, when it is. */
  note?: string;
}

/** host:port, [v6]:port, a bare host or IP, or a CIDR → its parts. */
function parseEntry(entry: string): { host: string; port?: number; cidr?: string } {
  if (entry.includes('/')) return { host: entry, cidr: entry };
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (v6) return { host: v6[1] ?? '', port: v6[2] ? Number(v6[2]) : undefined };
  const colon = entry.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(entry.slice(colon + 1)))
    return { host: entry.slice(0, colon), port: Number(entry.slice(colon + 1)) };
  return { host: entry };
}

const hostCidr = (ip: string): string => (isIP(ip) === 6 ? `${ip}/128` : `${ip}/32`);

/** The engine's address (grpc://host:port, dns:///host:port or host:port) as an egress rule. */
function engineRule(engineAddress: string): EgressRule {
  const hostPort = engineAddress.replace(/^[a-z]+:\/\/\/?/, '');
  const { host, port } = parseEntry(hostPort);
  const ports: Port[] = [{ protocol: 'TCP', port: port ?? 26500 }];
  return isIP(host) ? { to: [{ ipBlock: { cidr: hostCidr(host) } }], ports } : { ports };
}

export function workerNetworkPolicy(o: {
  metadata: KubeManifest['metadata'];
  selector: Record<string, string>;
  egressAllowlist: readonly string[] | undefined;
  engineAddress: string;
  httpPort: number;
}): WorkerNetworkPolicy {
  const base = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: o.metadata,
  };
  const ingress = [{ ports: [{ protocol: 'TCP', port: o.httpPort }] }];
  const podSelector = { matchLabels: o.selector };
  if (!o.egressAllowlist?.length)
    return { networkPolicy: { ...base, spec: { podSelector, policyTypes: ['Ingress'], ingress } } };

  const egress: EgressRule[] = [
    {
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
    },
    engineRule(o.engineAddress),
  ];
  const open: string[] = [];
  for (const entry of o.egressAllowlist) {
    const { host, port, cidr } = parseEntry(entry);
    if (cidr) egress.push({ to: [{ ipBlock: { cidr } }] });
    else if (isIP(host))
      egress.push({
        to: [{ ipBlock: { cidr: hostCidr(host) } }],
        ...(port ? { ports: [{ protocol: 'TCP', port }] } : {}),
      });
    else if (port) egress.push({ ports: [{ protocol: 'TCP', port }] });
    else open.push(entry);
  }
  if (open.length)
    return {
      networkPolicy: { ...base, spec: { podSelector, policyTypes: ['Ingress'], ingress } },
      note:
        `egress is not restricted by the NetworkPolicy: ${open.join(', ')} name(s) no port and no address ` +
        '(the worker still checks every connection against the allowlist)',
    };
  return { networkPolicy: { ...base, spec: { podSelector, policyTypes: ['Ingress', 'Egress'], ingress, egress } } };
}
