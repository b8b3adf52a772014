// The sandbox itself, with plain commands from /usr/bin: what a run sees, what its limits say when
// they stop it, and the checker that makes adapters refuse when the sandbox cannot work here.
import { readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../lib/testing/temp-dir.js';
import { scriptTestPolicy } from './test-script-policy.js';
import { quantityBytes } from './memory-quantity.js';
import { requireSandbox } from './require-host-tools.js';
import { checkSandbox, type SandboxTools } from './sandbox-check.js';
import { unsupportedScriptPolicy } from './script-policy.js';
import { runSandboxed } from './script-sandbox.js';

const limits = scriptTestPolicy({ wallTimeSeconds: 2, cpuTimeSeconds: 1, memory: '128Mi' }).script;
let tools: SandboxTools;

beforeAll(async () => {
  await requireSandbox();
  const check = await checkSandbox();
  if (!check.ok) throw new Error(check.reason);
  tools = check.tools;
});

const sh = (script: string, o: { stdin?: string; maxOutputBytes?: number; signal?: AbortSignal } = {}) =>
  runSandboxed(tools, limits, { argv: ['/usr/bin/sh', '-c', script], ...o });

describe('script sandbox', () => {
  it('runs as an unprivileged user with only loopback, an empty environment and the job files under /tmp/job', async () => {
    const r = await runSandboxed(tools, limits, {
      argv: ['/usr/bin/sh', '/tmp/job/run.sh'],
      files: [
        { name: 'run.sh', content: 'id -u; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; env | sort; cat' },
      ],
      stdin: 'from stdin',
    });
    expect(r.failure).toBeUndefined();
    const [uid, ...rest] = r.stdout.trim().split('\n');
    expect(Number(uid)).toBeGreaterThan(0);
    expect(rest).toEqual(['lo', 'HOME=/tmp', 'LANG=C.UTF-8', 'PATH=/usr/bin', 'PWD=/tmp/job', 'from stdin']);
  });

  it('kills a run at the wall-clock limit and says which limit', async () => {
    const r = await sh('while :; do sleep 1; done');
    expect(r.failure).toEqual({
      kind: 'wall',
      message: 'killed at the wall-clock limit of 2 s (SandboxPolicy script.wallTimeSeconds)',
    });
  });

  it('stops a busy loop at the CPU-time limit', async () => {
    const r = await sh('while :; do :; done');
    expect(r.failure).toEqual({ kind: 'cpu', message: 'CPU time limit of 1 s reached (script.cpuTimeSeconds)' });
  });

  it('kills a run whose output exceeds the bound', async () => {
    const r = await sh('yes', { maxOutputBytes: 64 * 1024 });
    expect(r.failure).toEqual({ kind: 'output', message: 'output exceeded 64 KiB (stdout); the run was killed' });
    expect(r.stdout.length).toBeLessThanOrEqual(64 * 1024);
  });

  it('reports a non-zero exit with the end of stderr', async () => {
    const r = await sh('echo "first line" >&2; echo "what went wrong" >&2; exit 3');
    expect(r.failure).toEqual({ kind: 'exit', message: 'exit code 3; stderr tail: first line\nwhat went wrong' });
  });

  it('stops when the job is aborted', async () => {
    const abort = new AbortController();
    const running = sh('while :; do sleep 1; done', { signal: abort.signal });
    abort.abort();
    expect((await running).failure?.kind).toBe('aborted');
  });

  it('an abort at any moment of start-up stops the whole run: nothing of it keeps running', async () => {
    const marker = `procos-abort-${process.pid}`;
    for (let i = 0; i < 20; i++) {
      const abort = new AbortController();
      const running = sh(`while :; do sleep 1; done # ${marker}`, { signal: abort.signal });
      // Land the abort before the spawn, during bwrap's set-up, and once the script runs.
      // Not a wait for anything: the delay places the abort inside bwrap's set-up, where the bug
      // was (event-loop turns alone land before the spawn and miss it).
      if (i % 3 === 1) await new Promise((r) => setImmediate(r));
      if (i % 3 === 2) await new Promise((r) => setTimeout(r, i % 7));
      abort.abort();
      expect((await running).failure?.kind).toBe('aborted');
    }
    const left = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      });
    expect(left).toEqual([]);
  });

  it('leaves the host filesystem read-only and /tmp private', async () => {
    const r = await sh('touch /tmp/ok && echo tmp-writable; touch /usr/x /etc/x /x 2>&1; ls /tmp');
    expect(r.stdout).toContain('tmp-writable');
    expect(r.stdout.match(/Read-only file system/g)).toHaveLength(3);
    expect(r.stdout.trim().split('\n').slice(-2)).toEqual(['job', 'ok']);
  });
});

describe('sandbox check', () => {
  it('names the missing tool when bwrap is not on PATH', async () => {
    const bin = tempDir('procos-nobwrap-');
    for (const t of ['setpriv', 'prlimit']) symlinkSync(join('/usr/bin', t), join(bin, t));
    expect(await checkSandbox(bin)).toEqual({
      ok: false,
      reason: expect.stringMatching(/^script sandbox unavailable: bwrap not found on PATH .*make host-tools/) as string,
    });
  });

  it('refuses an allowlist it cannot enforce, and an allowlist for script pods (which have no network)', () => {
    expect(unsupportedScriptPolicy(scriptTestPolicy({ isolation: 'Pod' }).script)).toBeUndefined();
    const podAllowlist = scriptTestPolicy({ isolation: 'Pod', network: 'Allowlist', egressAllowlist: ['a.b:443'] });
    expect(unsupportedScriptPolicy(podAllowlist.script)).toMatch(/Allowlist needs script\.isolation Process/);
    const noPort = scriptTestPolicy({ network: 'Allowlist', egressAllowlist: ['example.com'] }).script;
    expect(unsupportedScriptPolicy(noPort)).toMatch(/entry 'example\.com' has no port/);
    const withPort = scriptTestPolicy({ network: 'Allowlist', egressAllowlist: ['example.com:443'] }).script;
    expect(unsupportedScriptPolicy(withPort)).toBeUndefined();
    expect(unsupportedScriptPolicy(limits)).toBeUndefined();
  });
});

describe('memory quantities', () => {
  it.each([
    ['256Mi', 256 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['500M', 5e8],
    ['1e9', 1e9],
    [134217728, 134217728],
  ])('%s is %d bytes', (q, bytes) => {
    expect(quantityBytes(q)).toBe(bytes);
  });

  it('rejects what is not a quantity', () => {
    expect(() => quantityBytes('lots')).toThrow(/'lots' is not a memory quantity/);
  });
});
