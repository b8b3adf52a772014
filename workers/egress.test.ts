import { get, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rejectionOf } from '../engine/testing/engine-harness.js';
import { allowedLookup, EgressDenied, resolveAllowed } from './egress.js';
import { testPolicy } from './testing/job-context.js';

// Names this machine cannot resolve, answered with fixed addresses so wildcard and multi-address
// rules can be checked; every other name goes to the real resolver. Only loopback addresses are
// ever connected to.
const FAKE_DNS: Record<string, { address: string; family: 4 | 6 }[]> = {
  'api.example.test': [{ address: '127.0.0.1', family: 4 }],
  'deep.api.example.test': [{ address: '127.0.0.1', family: 4 }],
  'example.test': [{ address: '127.0.0.1', family: 4 }],
  'mixed.example.test': [
    { address: '10.1.2.3', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
  'v6.example.test': [{ address: 'fd00::5', family: 6 }],
};

vi.mock('node:dns/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:dns/promises')>();
  const lookup = (host: string, options: object) => {
    const fake = FAKE_DNS[host.toLowerCase()];
    return fake ? Promise.resolve(fake) : real.lookup(host, options as never);
  };
  return { ...real, default: { ...real, lookup }, lookup };
});

const policy = (egressAllowlist?: string[]) => testPolicy(egressAllowlist ? { egressAllowlist } : {});

describe('resolveAllowed', () => {
  it('allows anything when the policy has no egressAllowlist, and returns the resolved address', async () => {
    expect(await resolveAllowed(policy(), 'localhost', 80)).toEqual({ address: '127.0.0.1', family: 4 });
    expect(await resolveAllowed(policy(), '10.9.8.7', 25)).toEqual({ address: '10.9.8.7', family: 4 });
  });

  it('allows an exact host name, case-insensitively, on any port', async () => {
    expect(await resolveAllowed(policy(['API.example.test']), 'api.EXAMPLE.test', 8443)).toEqual({
      address: '127.0.0.1',
      family: 4,
    });
    await expect(resolveAllowed(policy(['api.example.test']), 'deep.api.example.test', 443)).rejects.toBeInstanceOf(
      EgressDenied,
    );
  });

  it('allows host:port only on that port', async () => {
    const p = policy(['localhost:8080']);
    expect((await resolveAllowed(p, 'localhost', 8080)).address).toBe('127.0.0.1');
    const denied = await rejectionOf(resolveAllowed(p, 'localhost', 8081));
    expect(denied).toBeInstanceOf(EgressDenied);
    expect(denied.message).toContain('egress to localhost port 8081 (address 127.0.0.1)');
  });

  it('allows *.domain for subdomains at any depth, not for the domain itself', async () => {
    const p = policy(['*.example.test']);
    expect((await resolveAllowed(p, 'api.example.test', 443)).address).toBe('127.0.0.1');
    expect((await resolveAllowed(p, 'deep.api.example.test', 443)).address).toBe('127.0.0.1');
    await expect(resolveAllowed(p, 'example.test', 443)).rejects.toBeInstanceOf(EgressDenied);
    await expect(resolveAllowed(policy(['*.example.test:443']), 'api.example.test', 80)).rejects.toBeInstanceOf(
      EgressDenied,
    );
  });

  it('matches CIDRs and literal IPs against the resolved addresses, IPv4 and IPv6', async () => {
    expect((await resolveAllowed(policy(['127.0.0.0/8']), 'localhost', 80)).address).toBe('127.0.0.1');
    expect((await resolveAllowed(policy(['127.0.0.1']), 'api.example.test', 80)).address).toBe('127.0.0.1');
    expect((await resolveAllowed(policy(['10.0.0.0/8:5432']), '10.200.0.1', 5432)).address).toBe('10.200.0.1');
    await expect(resolveAllowed(policy(['10.0.0.0/8:5432']), '10.200.0.1', 5433)).rejects.toBeInstanceOf(EgressDenied);
    expect(await resolveAllowed(policy(['fd00::/8']), 'v6.example.test', 443)).toEqual({
      address: 'fd00::5',
      family: 6,
    });
    expect((await resolveAllowed(policy(['[fd00::/8]:443']), '[fd00::1]', 443)).address).toBe('fd00::1');
    await expect(resolveAllowed(policy(['[fd00::/8]:443']), 'v6.example.test', 80)).rejects.toBeInstanceOf(
      EgressDenied,
    );
    await expect(resolveAllowed(policy(['10.0.0.0/8']), 'localhost', 80)).rejects.toBeInstanceOf(EgressDenied);
  });

  it('checks every resolved address and returns only one that is allowed', async () => {
    expect((await resolveAllowed(policy(['10.0.0.0/8']), 'mixed.example.test', 80)).address).toBe('10.1.2.3');
    expect((await resolveAllowed(policy(['127.0.0.1/32']), 'mixed.example.test', 80)).address).toBe('127.0.0.1');
  });

  it('denies with a message naming host, port, address and allowlist, and what to add', async () => {
    const denied = await rejectionOf(resolveAllowed(policy(['*.corp.test', '10.0.0.0/8']), 'localhost', 25));
    expect(denied).toBeInstanceOf(EgressDenied);
    expect(denied.message).toBe(
      "egress to localhost port 25 (address 127.0.0.1) is not allowed by the SandboxPolicy's egressAllowlist " +
        '(*.corp.test, 10.0.0.0/8); add an entry (localhost, localhost:25, a *.domain above it or a CIDR ' +
        "containing 127.0.0.1) to the SandboxPolicy's spec.egressAllowlist if this connection is intended",
    );
  });

  it('denies everything when the allowlist is empty', async () => {
    const denied = await rejectionOf(resolveAllowed(policy([]), '127.0.0.1', 80));
    expect(denied).toBeInstanceOf(EgressDenied);
    expect(denied.message).toContain('(empty: no egress allowed)');
  });

  it('names an allowlist entry it cannot read', async () => {
    await expect(resolveAllowed(policy(['10.0.0.0/40']), 'localhost', 80)).rejects.toThrow(
      "the SandboxPolicy's egressAllowlist entry '10.0.0.0/40' has a prefix length that is not 0-32",
    );
    await expect(resolveAllowed(policy(['api.*.test']), 'localhost', 80)).rejects.toThrow(
      /entry 'api\.\*\.test' is not a host name/,
    );
  });
});

describe('allowedLookup', () => {
  let server: Server;
  let port: number;
  let requests = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests++;
      res.end('hello');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const fetchVia = (host: string, allowlist: string[]) =>
    new Promise<string>((resolve, reject) => {
      const p = policy(allowlist);
      get({ host, port, path: '/', lookup: allowedLookup(p, port), agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });

  it('connects node:http to the checked address when the name is allowed', async () => {
    expect(await fetchVia('api.example.test', ['*.example.test'])).toBe('hello');
  });

  it('fails the request with the EgressDenied itself before anything is sent', async () => {
    const before = requests;
    const denied = await rejectionOf(fetchVia('api.example.test', ['other.test', `127.0.0.1:${port + 1}`]));
    expect(denied).toBeInstanceOf(EgressDenied);
    expect(denied.message).toContain(`egress to api.example.test port ${port} (address 127.0.0.1)`);
    expect(requests).toBe(before);
  });
});
