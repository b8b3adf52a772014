import { describe, expect, it } from 'vitest';
import { workerNetworkPolicy } from './network-policy.js';

const np = (egressAllowlist: string[] | undefined, engineAddress = 'grpc://10.0.0.5:26500') =>
  workerNetworkPolicy({
    metadata: { name: 'p-worker', namespace: 'ns' },
    selector: { 'procos.io/pool': 'p' },
    egressAllowlist,
    engineAddress,
    httpPort: 9464,
  });
const spec = (r: ReturnType<typeof np>) =>
  r.networkPolicy.spec as { policyTypes: string[]; egress?: unknown[]; ingress: unknown[] };

describe('workerNetworkPolicy', () => {
  it('without an allowlist: only ingress is narrowed (to the worker port), egress is open', () => {
    const r = np(undefined);
    expect(spec(r).policyTypes).toEqual(['Ingress']);
    expect(spec(r).ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 9464 }] }]);
    expect(r.note).toBeUndefined();
  });

  it('with an allowlist: DNS, the engine, CIDRs and IP:port exactly, host:port as a port', () => {
    const r = np(['10.1.0.0/16', '192.0.2.7:443', 'api.example.com:8443', '[2001:db8::1]:25']);
    expect(spec(r).policyTypes).toEqual(['Ingress', 'Egress']);
    expect(spec(r).egress).toEqual([
      {
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
      { to: [{ ipBlock: { cidr: '10.0.0.5/32' } }], ports: [{ protocol: 'TCP', port: 26500 }] },
      { to: [{ ipBlock: { cidr: '10.1.0.0/16' } }] },
      { to: [{ ipBlock: { cidr: '192.0.2.7/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      { ports: [{ protocol: 'TCP', port: 8443 }] },
      { to: [{ ipBlock: { cidr: '2001:db8::1/128' } }], ports: [{ protocol: 'TCP', port: 25 }] },
    ]);
  });

  it('an engine behind a name is allowed by its port', () => {
    const r = np(['10.1.0.0/16'], 'grpc://engine.procos-system:26500');
    expect(spec(r).egress?.[1]).toEqual({ ports: [{ protocol: 'TCP', port: 26500 }] });
  });

  it('an entry with neither port nor address leaves egress open and says why', () => {
    const r = np(['10.1.0.0/16', '*.example.com']);
    expect(spec(r).policyTypes).toEqual(['Ingress']);
    expect(r.note).toMatch(/\*\.example\.com name\(s\) no port and no address/);
  });
});
