// The python adapter on the real sandbox: the stdin/stdout JSON protocol, its failures, and escape
// attempts — each contained and reported as a job failure whose message says why.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../lib/testing/temp-dir.js';
import { requireSandbox } from '../../sandbox/require-host-tools.js';
import { scriptTestPolicy } from '../../sandbox/test-script-policy.js';
import { testEnvironment, testJobContext } from '../../testing/job-context.js';
import { BpmnError, TransientError } from '../service-adapter.js';
import { createPythonAdapter, pythonAdapter, pythonConfig } from './python-adapter.js';

const policy = scriptTestPolicy({ wallTimeSeconds: 2, cpuTimeSeconds: 1, memory: '128Mi' });
const context = testJobContext({ policy });
const config = (o: Record<string, unknown>) => pythonConfig.parse(o);
const run = (script: string, variables: Record<string, unknown> = {}, o: Record<string, unknown> = {}) =>
  pythonAdapter.execute(variables, config({ script, ...o }), context);

beforeAll(requireSandbox);

describe('python adapter', () => {
  it('gets the variables as JSON on stdin and completes with the JSON object it prints', async () => {
    const script =
      'import json, sys\nv = json.load(sys.stdin)\nprint(json.dumps({"total": v["a"] + v["b"], "seen": sorted(v)}))';
    expect(await run(script, { a: 2, b: 5 })).toEqual({ total: 7, seen: ['a', 'b'] });
  });

  it('passes only the listed inputs (also its fetchVariables) and can nest the result under one variable', async () => {
    const c = config({
      script: 'import json, sys\nprint(json.dumps({"seen": sorted(json.load(sys.stdin))}))',
      inputs: ['a', 'missing'],
      resultVariable: 'out',
    });
    expect(pythonAdapter.fetchVariables?.(c)).toEqual(['a', 'missing']);
    expect(await pythonAdapter.execute({ a: 1, secret: 'x' }, c, context)).toEqual({ out: { seen: ['a'] } });
  });

  it('reads a script file at start and refuses to start when the file is missing', async () => {
    const dir = tempDir('procos-py-');
    const file = join(dir, 'double.py');
    writeFileSync(file, 'import json, sys\nprint(json.dumps({"y": json.load(sys.stdin)["x"] * 2}))');
    const adapter = createPythonAdapter();
    await adapter.start?.(config({ file }), testEnvironment(policy));
    expect(await adapter.execute({ x: 21 }, config({ file }), context)).toEqual({ y: 42 });
    await expect(adapter.start?.(config({ file: join(dir, 'nope.py') }), testEnvironment(policy))).rejects.toThrow(
      /^python: cannot read the script file '.*nope\.py' \(config\.file\): ENOENT/,
    );
  });

  it('wants exactly one of script and file', () => {
    expect(pythonConfig.safeParse({}).error?.issues[0]?.message).toMatch(/exactly one of script .* or file/);
    expect(pythonConfig.safeParse({ script: 'x', file: '/x.py' }).success).toBe(false);
    expect(pythonConfig.safeParse({ script: 'x', python: 'python3' }).error?.issues[0]?.message).toMatch(/under \/usr/);
  });

  it('throws the BPMN error a script prints as {"bpmnError": …}', async () => {
    const script = 'print(\'{"bpmnError": {"code": "TOO_BIG", "message": "a exceeds 10"}}\')';
    const err = await run(script).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BpmnError);
    expect(err).toMatchObject({ code: 'TOO_BIG', message: 'a exceeds 10' });
  });

  it('fails, quoting what was printed, when stdout is not one JSON object', async () => {
    await expect(run('print("hello")')).rejects.toThrow(
      'python: the script must print one JSON object on stdout (debug output goes to stderr); it printed "hello"',
    );
    await expect(run('print("[1, 2]")')).rejects.toThrow(/one JSON object on stdout; it printed an array: "\[1, 2\]"/);
  });

  it('fails with the exit code and the end of stderr when the script fails', async () => {
    await expect(run('import sys\nsys.stderr.write("bad input\\n")\nsys.exit(3)')).rejects.toThrow(
      'python: exit code 3; stderr tail: bad input',
    );
    await expect(run('raise ValueError("amount must be positive")')).rejects.toThrow(
      /^python: exit code 1; stderr tail: Traceback[\s\S]*ValueError: amount must be positive$/,
    );
  });

  it('refuses to start when bwrap is missing, naming it, instead of running unsandboxed', async () => {
    const bin = tempDir('procos-nobwrap-');
    for (const t of ['setpriv', 'prlimit']) symlinkSync(join('/usr/bin', t), join(bin, t));
    const adapter = createPythonAdapter({ sandboxPath: bin });
    await expect(adapter.start?.(config({ script: 'pass' }), testEnvironment(policy))).rejects.toThrow(
      /^python: script sandbox unavailable: bwrap not found on PATH/,
    );
    await expect(adapter.execute({}, config({ script: 'print("{}")' }), context)).rejects.toThrow(/bwrap not found/);
  });

  it('refuses to start under Pod isolation without the operator’s settings, or an egressAllowlist entry it cannot enforce', async () => {
    const pod = testEnvironment(scriptTestPolicy({ isolation: 'Pod' }));
    await expect(createPythonAdapter().start?.(config({ script: 'pass' }), pod)).rejects.toThrow(
      /^script isolation Pod: PROCOS_SCRIPT_IMAGE, POD_NAMESPACE, PROCOS_POOL not set; the operator sets them/,
    );
    const range = testEnvironment(scriptTestPolicy({ network: 'Allowlist', egressAllowlist: ['10.0.0.0/8'] }));
    await expect(pythonAdapter.start?.(config({ script: 'pass' }), range)).rejects.toThrow(
      /^python: SandboxPolicy script\.egressAllowlist cannot be enforced for Process isolation: entry '10\.0\.0\.0\/8' is an address range/,
    );
  });

  it('hands the job back (retryable) when it is aborted', async () => {
    const abort = new AbortController();
    const running = pythonAdapter.execute(
      {},
      config({ script: 'import time\nwhile True: time.sleep(1)' }),
      testJobContext({ policy, signal: abort.signal }),
    );
    abort.abort();
    await expect(running).rejects.toBeInstanceOf(TransientError);
  });
});

describe('python adapter: escape attempts are contained and reported', () => {
  const MARKER = `procos-marker-${process.pid}-${Date.now()}`;
  let server: Server;
  let port: number;
  let connections = 0;
  const dir = tempDir('procos-escape-'); // at describe level: removed when the file ends
  const secrets = join(dir, 'secrets');
  const tokenFile = join(dir, 'var/run/secrets/kubernetes.io/serviceaccount/token');

  beforeAll(async () => {
    server = createServer((s) => {
      connections++;
      s.end(MARKER);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    mkdirSync(secrets);
    writeFileSync(join(secrets, 'api-token'), MARKER);
    mkdirSync(dirname(tokenFile), { recursive: true });
    writeFileSync(tokenFile, MARKER);
    process.env.PROCOS_TEST_SECRET = MARKER;
  });
  afterAll(async () => {
    delete process.env.PROCOS_TEST_SECRET;
    await new Promise((r) => server.close(r));
  });

  /** The message of the job failure the script ends in; the marker must never be in it. */
  const failureOf = async (script: string, variables: Record<string, unknown> = {}): Promise<string> => {
    const err = await run(script, variables).then(
      (v) => new Error(`completed instead of failing: ${JSON.stringify(v)}`),
      (e: unknown) => e as Error,
    );
    expect(err.message).not.toContain(MARKER);
    return err.message;
  };

  it('cannot reach a server on the host loopback', async () => {
    const message = await failureOf(
      `import socket\nprint(socket.create_connection(("127.0.0.1", ${port}), timeout=1).recv(100))`,
    );
    expect(message).toMatch(/^python: exit code 1; stderr tail: [\s\S]*ConnectionRefusedError/);
    expect(connections).toBe(0);
  });

  it('cannot write outside /tmp', async () => {
    for (const path of ['/etc/passwd-new', '/usr/bin/evil', '/evil'])
      expect(await failureOf(`open("${path}", "w").write("x")`)).toMatch(/OSError: \[Errno 30\] Read-only file system/);
  });

  it("cannot read the worker's secrets dir, a service-account token, its cwd or its environment", async () => {
    for (const path of [join(secrets, 'api-token'), tokenFile, '/var/run/secrets/kubernetes.io/serviceaccount/token'])
      expect(await failureOf(`print(open("${path}").read())`)).toMatch(/FileNotFoundError/);
    expect(await failureOf(`import os\nprint(os.listdir("${process.cwd()}"))`)).toMatch(/FileNotFoundError/);
    const seen = await run(
      'import json, os\nprint(json.dumps({"env": dict(os.environ), "init": open("/proc/1/environ").read()}))',
    );
    expect(JSON.stringify(seen)).not.toContain(MARKER);
    expect(Object.keys((seen as { env: object }).env).sort()).toEqual(['HOME', 'LANG', 'PATH', 'PWD']);
  });

  it('stops a fork bomb at the process limit', async () => {
    expect(await failureOf('import os\nwhile True: os.fork()')).toMatch(
      /^python: exit code 1: the limit of 64 processes \(threads included\) was reached/,
    );
  });

  it('stops a memory bomb at the memory limit', async () => {
    expect(await failureOf('x = []\nwhile True: x.append(bytearray(10**6))')).toBe(
      'python: out of memory under the 128Mi limit (script.memory)',
    );
  });

  it('stops an endless loop at the CPU limit and a sleeper at the wall-clock limit', async () => {
    expect(await failureOf('while True: pass')).toBe('python: CPU time limit of 1 s reached (script.cpuTimeSeconds)');
    expect(await failureOf('import time\nwhile True: time.sleep(1)')).toBe(
      'python: killed at the wall-clock limit of 2 s (SandboxPolicy script.wallTimeSeconds)',
    );
  });

  it('stops huge output at the bound', async () => {
    expect(await failureOf('while True: print("x" * 4096)')).toBe(
      'python: output exceeded 1 MiB (stdout); the run was killed',
    );
  });
});

describe('python adapter: network Allowlist', () => {
  let allowed: HttpServer;
  let other: Server;
  let otherConnections = 0;
  const ports = { allowed: 0, other: 0 };
  beforeAll(async () => {
    allowed = createHttpServer((req, res) => res.end(JSON.stringify({ price: 42, path: req.url })));
    other = createServer((s) => {
      otherConnections++;
      s.destroy();
    });
    for (const [name, server] of [
      ['allowed', allowed],
      ['other', other],
    ] as const) {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      ports[name] = (server.address() as AddressInfo).port;
    }
  });
  afterAll(async () => {
    for (const server of [allowed, other]) await new Promise((r) => server.close(r));
  });

  it('starts, and a job reaches the allowlisted address:port while every other port is refused', async () => {
    const allow = scriptTestPolicy({
      wallTimeSeconds: 10,
      cpuTimeSeconds: 5,
      memory: '256Mi',
      network: 'Allowlist',
      egressAllowlist: [`127.0.0.1:${ports.allowed}`],
    });
    const c = config({
      script: `import json, socket, urllib.request
quote = json.load(urllib.request.urlopen("http://127.0.0.1:${ports.allowed}/price", timeout=5))
try:
    socket.create_connection(("127.0.0.1", ${ports.other}), timeout=5)
    other = "connected"
except OSError as e:
    other = type(e).__name__
print(json.dumps({"quote": quote, "other": other}))`,
    });
    await pythonAdapter.start?.(c, testEnvironment(allow));
    expect(await pythonAdapter.execute({}, c, testJobContext({ policy: allow }))).toEqual({
      quote: { price: 42, path: '/price' },
      other: 'ConnectionRefusedError',
    });
    expect(otherConnections).toBe(0);
  });
});
