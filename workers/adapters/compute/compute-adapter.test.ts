// The compute adapter on the real sandbox and Debian's scilab-cli: variables in as Scilab values,
// outputs back as JSON, Scilab's own errors as the job's failure.
import { symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../../lib/testing/temp-dir.js';
import { requireScilab } from '../../sandbox/require-host-tools.js';
import { scriptTestPolicy } from '../../sandbox/test-script-policy.js';
import { testEnvironment, testJobContext } from '../../testing/job-context.js';
import { BpmnError } from '../service-adapter.js';
import { computeAdapter, computeConfig, createComputeAdapter } from './compute-adapter.js';

const policy = scriptTestPolicy({ wallTimeSeconds: 4, cpuTimeSeconds: 2, memory: '512Mi' });
const context = testJobContext({ policy });
const run = (script: string, outputs: string[], variables: Record<string, unknown> = {}, o: object = {}) =>
  computeAdapter.execute(variables, computeConfig.parse({ script, outputs, ...o }), context);

beforeAll(requireScilab);

// A made-up name the worker resolves to 127.0.0.1: the Allowlist test's traffic stays on loopback.
vi.mock('node:dns/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:dns/promises')>();
  const lookup = (host: string, options: object) =>
    host.toLowerCase() === 'rates.test'
      ? Promise.resolve([{ address: '127.0.0.1', family: 4 }])
      : real.lookup(host, options as never);
  return { ...real, default: { ...real, lookup }, lookup };
});

describe('compute adapter (Scilab)', () => {
  it('computes from the inputs and returns the named outputs as JSON', async () => {
    const script = 'total = sum(amounts) * rate; doubled = 2 * amounts; m = [1 2; 3 4]; big = total > 10;';
    expect(await run(script, ['total', 'doubled', 'm', 'big'], { amounts: [1, 2, 3.5], rate: 2 })).toEqual({
      total: 13,
      doubled: [2, 4, 7],
      m: [
        [1, 2],
        [3, 4],
      ],
      big: true,
    });
  });

  it('carries strings, structs, lists and null across unchanged (quotes, backslashes, newlines, unicode)', async () => {
    const text = 'he said "it\'s" \\ C:\\tmp\n\ttab é€ // not a comment';
    const order = { id: 'A-1', lines: [1, 'two', true], 'dash-key': { deep: [] } };
    const out = await run('text2 = text; order2 = order; nothing2 = nothing;', ['text2', 'order2', 'nothing2'], {
      text,
      order,
      nothing: null,
    });
    expect(out).toEqual({ text2: text, order2: order, nothing2: [] });
  });

  it('passes only the listed inputs and can nest the outputs under one variable', async () => {
    const c = computeConfig.parse({
      script: 'seen = [exists("a") == 1, exists("b") == 1];',
      inputs: ['a'],
      outputs: ['seen'],
      resultVariable: 'result',
    });
    expect(computeAdapter.fetchVariables?.(c)).toEqual(['a']);
    expect(await computeAdapter.execute({ a: 1, b: 2 }, c, context)).toEqual({ result: { seen: [true, false] } });
  });

  it("fails with Scilab's message and the line in the script", async () => {
    await expect(run('x = 1;\ny = undefined_thing + 1;', ['y'])).rejects.toThrow(
      'compute: Scilab error: at line 2 of the script\nUndefined variable: undefined_thing',
    );
  });

  it('fails saying which output is missing or has no JSON form', async () => {
    await expect(run('x = 1;', ['y'])).rejects.toThrow(/output y is not defined by the script \(config\.outputs\)/);
    await expect(run('y = [1 %nan];', ['y'])).rejects.toThrow(/output y holds NaN or Inf, which JSON cannot carry/);
  });

  it('throws the BPMN error a script sets as bpmnError = struct("code", …, "message", …)', async () => {
    const err = await run('bpmnError = struct("code", "SINGULAR", "message", "matrix is singular");', ['x']).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BpmnError);
    expect(err).toMatchObject({ code: 'SINGULAR', message: 'matrix is singular' });
  });

  it('reports out of memory, and an endless loop at the CPU limit', async () => {
    await expect(run('x = zeros(100000, 100000);', ['x'])).rejects.toThrow(
      'compute: out of memory under the 512Mi limit (script.memory)',
    );
    await expect(run('while %t, end', ['x'])).rejects.toThrow(
      'compute: CPU time limit of 2 s reached (script.cpuTimeSeconds)',
    );
  });

  it('refuses inputs that are not Scilab names', async () => {
    await expect(run('y = 1;', ['y'], { 'order-id': 1 })).rejects.toThrow(
      /variable 'order-id' is not a Scilab name .* list the variables the script needs in config\.inputs/,
    );
    expect(computeConfig.safeParse({ script: 'y=1', outputs: ['1y'] }).success).toBe(false);
  });

  it('refuses to start under a memory limit scilab-cli cannot start in, or without bwrap', async () => {
    const small = testEnvironment(scriptTestPolicy({ memory: '256Mi' }));
    const c = computeConfig.parse({ script: 'y = 1;', outputs: ['y'] });
    await expect(computeAdapter.start?.(c, small)).rejects.toThrow(
      /^compute: SandboxPolicy script\.memory is 256Mi, but scilab-cli needs at least 384Mi/,
    );
    const bin = tempDir('procos-nobwrap-');
    for (const t of ['setpriv', 'prlimit']) symlinkSync(join('/usr/bin', t), join(bin, t));
    await expect(createComputeAdapter({ sandboxPath: bin }).start?.(c, testEnvironment(policy))).rejects.toThrow(
      /^compute: script sandbox unavailable: bwrap not found on PATH/,
    );
  });
});

describe('compute adapter: network Allowlist', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ rate: 0.25, path: req.url }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it("fetches from an allowlisted host:port with Scilab's http_get; another port does not connect", async () => {
    const allow = scriptTestPolicy({
      wallTimeSeconds: 10,
      cpuTimeSeconds: 5,
      memory: '512Mi',
      network: 'Allowlist',
      egressAllowlist: [`rates.test:${port}`],
    });
    const c = computeConfig.parse({
      script: `answer = http_get("http://rates.test:${port}/rate");
interest = principal * answer.rate;
try
  http_get("http://rates.test:${port + 1}/rate"); other = "connected";
catch
  other = lasterror();
end`,
      outputs: ['interest', 'other'],
    });
    await computeAdapter.start?.(c, testEnvironment(allow));
    const out = await computeAdapter.execute({ principal: 1000 }, c, testJobContext({ policy: allow }));
    expect(out).toMatchObject({ interest: 250 });
    expect(out.other).toEqual(['http_get: CURL execution failed.', "Couldn't connect to server"]);
  });
});
