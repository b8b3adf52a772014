// script.network: Allowlist on the real sandbox: a script reaches exactly the allowlisted
// address:port and host:port destinations (servers this file starts on 127.0.0.1) and nothing
// else; the worker checks every request on its socket, bounds and ends the run's connections, and
// refuses at start what the sandbox cannot enforce.
import { readdirSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { planScriptEgress } from './egress-plan.js';
import { requireSandbox } from './require-host-tools.js';
import { checkSandbox, checkScriptEgress, type SandboxTools } from './sandbox-check.js';
import { unsupportedScriptPolicy } from './script-policy.js';
import { runSandboxed, type SandboxRun } from './script-sandbox.js';
import { scriptTestPolicy } from './test-script-policy.js';

// A made-up name the worker resolves to 127.0.0.1, so every real connection stays on loopback;
// every name the worker looks up is recorded.
const lookedUp = vi.hoisted(() => [] as string[]);
vi.mock('node:dns/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:dns/promises')>();
  const lookup = (host: string, options: object) => {
    lookedUp.push(host);
    return host.toLowerCase() === 'allowed.test'
      ? Promise.resolve([{ address: '127.0.0.1', family: 4 }])
      : real.lookup(host, options as never);
  };
  return { ...real, default: { ...real, lookup }, lookup };
});

const listen = async (server: Server | HttpServer): Promise<number> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
};

let tools: SandboxTools;
// allowed: HTTP, answers "hello <path>"; denied: not on the list, counts connections; holder:
// answers "y" to each byte and keeps the connection open; closedPort: on the list, nothing listens.
const allowed = createHttpServer((req, res) => res.end(`hello ${req.url ?? ''}`));
const denied = createServer((s) => {
  deniedConnections++;
  s.destroy();
});
const held = new Set<Socket>();
const holder = createServer((s) => {
  held.add(s);
  s.on('close', () => held.delete(s));
  s.on('data', () => s.write('y'));
});
let deniedConnections = 0;
let port: { allowed: number; denied: number; holder: number; closed: number };

beforeAll(async () => {
  await requireSandbox();
  const check = await checkSandbox();
  if (!check.ok) throw new Error(check.reason);
  tools = check.tools;
  const closed = createServer();
  const closedPort = await listen(closed);
  await new Promise((r) => closed.close(r));
  port = {
    allowed: await listen(allowed),
    denied: await listen(denied),
    holder: await listen(holder),
    closed: closedPort,
  };
});
afterAll(async () => {
  for (const s of [allowed, denied, holder]) await new Promise((r) => s.close(r));
});

const allowlist = () => [
  `127.0.0.1:${port.allowed}`,
  `allowed.test:${port.allowed}`,
  `127.0.0.1:${port.holder}`,
  `127.0.0.1:${port.closed}`,
];
const limits = (wallTimeSeconds = 10) =>
  scriptTestPolicy({
    wallTimeSeconds,
    cpuTimeSeconds: Math.min(5, wallTimeSeconds),
    memory: '256Mi',
    network: 'Allowlist',
    egressAllowlist: allowlist(),
  }).script;

const python = (script: string, o: { wallTimeSeconds?: number; log?: SandboxRun['log'] } = {}) =>
  runSandboxed(tools, limits(o.wallTimeSeconds), {
    argv: ['/usr/bin/python3', '-I', '/tmp/job/main.py'],
    files: [{ name: 'main.py', content: script }],
    ...(o.log && { log: o.log }),
  });

const ATTEMPT = `import json, socket, urllib.request
def attempt(host, port):
    try:
        socket.create_connection((host, port), timeout=5).close()
        return "connected"
    except OSError as e:
        return type(e).__name__ + ": " + str(e)
`;

const egressDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('procos-egress-'));

/** Resolves once every connection the holder server accepted has closed (one listener each). */
const holderDrained = (): Promise<void> =>
  Promise.all([...held].map((s) => (s.closed ? Promise.resolve() : new Promise((r) => s.once('close', r))))).then(
    () => undefined,
  );

describe('script network Allowlist', () => {
  it('reaches the allowlisted address:port and host:port (through /etc/hosts), and nothing else', async () => {
    const r = await python(`${ATTEMPT}
get = lambda url: urllib.request.urlopen(url, timeout=5).read().decode()
print(json.dumps({
    "byAddress": get("http://127.0.0.1:${port.allowed}/a"),
    "byName": get("http://allowed.test:${port.allowed}/b"),
    "deniedPort": attempt("127.0.0.1", ${port.denied}),
    "nameOnDeniedPort": attempt("allowed.test", ${port.denied}),
    "otherName": attempt("localhost.test", ${port.allowed}),
    "interfaces": [l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:]],
    "capabilities": [l.split()[1] for l in open("/proc/self/status") if l.startswith(("CapEff", "CapBnd", "CapAmb"))],
    "caCertificates": __import__("ssl").create_default_context().cert_store_stats()["x509_ca"] > 0,
}))`);
    expect(r.failure).toBeUndefined();
    expect(JSON.parse(r.stdout)).toEqual({
      byAddress: 'hello /a',
      byName: 'hello /b',
      deniedPort: 'ConnectionRefusedError: [Errno 111] Connection refused',
      nameOnDeniedPort: 'ConnectionRefusedError: [Errno 111] Connection refused',
      otherName: 'gaierror: [Errno -2] Name or service not known',
      interfaces: ['lo'],
      capabilities: ['0000000000000000', '0000000000000000', '0000000000000000'],
      caCertificates: true,
    });
    expect(deniedConnections).toBe(0);
  });

  it("checks every request on the worker's socket: a destination asked for directly is refused and logged", async () => {
    const warnings: string[] = [];
    const log = { info: () => undefined, warn: (_o: object, msg: string) => void warnings.push(msg) };
    const r = await python(
      `import socket
def ask(line):
    u = socket.socket(socket.AF_UNIX)
    u.connect("/run/procos/egress.sock")
    u.sendall(line)
    return u.recv(200).decode()
print(repr(ask(b"127.0.0.1 ${port.denied}\\n")), repr(ask(b"secret-data.leak.test ${port.allowed}\\n")),
      repr(ask(b"no header at all\\n")), repr(ask(b"x" * 600)))`,
      { log: log as never },
    );
    expect(r.failure).toBeUndefined();
    expect(r.stdout.trim()).toBe("'ERR not in script.egressAllowlist\\n' 'ERR not in script.egressAllowlist\\n' '' ''");
    expect(warnings).toEqual([
      `script egress to 127.0.0.1 port ${port.denied} refused: not in script.egressAllowlist`,
      `script egress to secret-data.leak.test port ${port.allowed} refused: not in script.egressAllowlist`,
    ]);
    expect(lookedUp).not.toContain('secret-data.leak.test');
    expect(deniedConnections).toBe(0);
  });

  it('fails naming what the worker could not reach and what the script may reach', async () => {
    const unreachable = await python(
      `import socket\nsocket.create_connection(("127.0.0.1", ${port.closed}), timeout=5).recv(1)`,
    );
    expect(unreachable.failure?.message).toMatch(
      new RegExp(
        `^exit code 1; stderr tail: [\\s\\S]*ConnectionResetError[\\s\\S]*; egress to 127\\.0\\.0\\.1 port ${port.closed} ` +
          `\\(127\\.0\\.0\\.1\\) failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${port.closed}; script\\.network is Allowlist: ` +
          `the script reaches only ${allowlist().join(', ').replace(/\./g, '\\.')} \\(script\\.egressAllowlist\\)`,
      ),
    );
    const refused = await python(`import socket\nsocket.create_connection(("127.0.0.1", ${port.denied}), timeout=5)`);
    expect(refused.failure?.message).toMatch(/ConnectionRefusedError[\s\S]*; script\.network is Allowlist: the script/);
    expect(deniedConnections).toBe(0);
  });

  it('bounds a run to 32 connections at once and closes them all when the run ends', async () => {
    // A connection over the bound is reset: on its first use, or — when the forwarder is quicker
    // than the script (a loaded machine) — while it connects. Either is the bound at work.
    const r = await python(`import json, socket
conns = []
for _ in range(40):
    try:
        conns.append(socket.create_connection(("127.0.0.1", ${port.holder}), timeout=5))
    except OSError as e:
        conns.append(type(e).__name__)
got = []
for c in conns:
    if isinstance(c, str):
        got.append(c)
        continue
    try:
        c.sendall(b"x")
        got.append(c.recv(1).decode() or "eof")
    except OSError as e:
        got.append(type(e).__name__)
print(json.dumps(got))`);
    expect(r.failure).toBeUndefined();
    const got = JSON.parse(r.stdout) as string[];
    expect(got.slice(0, 32)).toEqual(Array(32).fill('y'));
    expect(new Set(got.slice(32))).toEqual(new Set(['ConnectionResetError']));
    await holderDrained();
  });

  it('kills a run holding a connection at the wall-clock limit, its connections and socket with it', async () => {
    const before = egressDirs();
    const r = await python(
      `import socket, time\nc = socket.create_connection(("127.0.0.1", ${port.holder}))\nc.sendall(b"x")\nc.recv(1)\nwhile True: time.sleep(1)`,
      { wallTimeSeconds: 1 },
    );
    expect(r.failure?.kind).toBe('wall');
    await holderDrained();
    expect(egressDirs().filter((d) => !before.includes(d))).toEqual([]);
  });

  it('finds the forwarder usable on this machine', async () => {
    expect(await checkScriptEgress(tools)).toBeUndefined();
  });
});

describe('script egress plan', () => {
  it('listens on each address:port, maps each name to an address of its own and adds non-loopback addresses to lo', () => {
    const r = planScriptEgress([
      'api.example.test:443',
      'API.example.test:8443',
      '127.0.0.1:9000',
      '10.1.2.3:5432',
      '[fd00::5]:443',
      'db.example.test:5432',
    ]);
    expect(r).toEqual({
      ok: true,
      plan: {
        listeners: [
          { address: '127.0.0.1', family: 4, port: 9000, destination: '127.0.0.1' },
          { address: '10.1.2.3', family: 4, port: 5432, destination: '10.1.2.3' },
          { address: 'fd00::5', family: 6, port: 443, destination: 'fd00::5' },
          { address: '127.1.0.1', family: 4, port: 443, destination: 'api.example.test' },
          { address: '127.1.0.1', family: 4, port: 8443, destination: 'api.example.test' },
          { address: '127.1.0.2', family: 4, port: 5432, destination: 'db.example.test' },
        ],
        aliases: [
          { address: '10.1.2.3', family: 4 },
          { address: 'fd00::5', family: 6 },
        ],
        hostsFile: '127.0.0.1 localhost\n::1 localhost\n127.1.0.1 api.example.test\n127.1.0.2 db.example.test\n',
      },
    });
  });

  it('refuses at start, naming each entry and why, what it cannot enforce exactly', () => {
    const problem = unsupportedScriptPolicy(
      scriptTestPolicy({
        network: 'Allowlist',
        egressAllowlist: [
          'ok.example.test:443',
          '*.example.test',
          '10.0.0.0/8:5432',
          'api.example.test',
          '10.0.0.0/40',
        ],
      }).script,
    );
    expect(problem).toBe(
      'SandboxPolicy script.egressAllowlist cannot be enforced for Process isolation: ' +
        "entry '*.example.test' is a *.domain pattern: the sandbox resolves only the names listed (through its own " +
        '/etc/hosts), not every name under a domain; list each host as host:port; ' +
        "entry '10.0.0.0/8:5432' is an address range: the sandbox forwards connections to the addresses it listens " +
        'on, one by one, not to a whole range; list each address as address:port; ' +
        "entry 'api.example.test' has no port: the sandbox forwards one port per entry (it cannot listen on all of " +
        'them); write api.example.test:PORT, e.g. api.example.test:443; ' +
        "the SandboxPolicy's egressAllowlist entry '10.0.0.0/40' has a prefix length that is not 0-32; fix " +
        'script.egressAllowlist (each entry must be host:port or address:port ([address]:port for IPv6))',
    );
  });
});
