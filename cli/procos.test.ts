import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../lib/cli/version.js';
import { tempDir } from '../lib/testing/temp-dir.js';
import { waitFor } from '../lib/testing/wait-for.js';

const root = projectRoot();
const run = promisify(execFile);

async function procos(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = join(root, 'bin/procos.js');
  if (!existsSync(join(root, 'dist/cli/procos.js'))) throw new Error('dist/ is missing: run `make build` first');
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('procos lint (the built binary)', () => {
  it('passes the sample manifests', async () => {
    const r = await procos(
      'lint',
      'processes/samples/procosprocess.yaml',
      'processes/samples/workerpool.yaml',
      'processes/samples/sandboxpolicy.yaml',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok    processes/samples/workerpool.yaml#1 (hello)');
  });

  it('fails an invalid pool and prints the field and rule', async () => {
    const r = await procos('lint', 'operator/api/testdata/invalid/pool-handler-for-unlisted-type.yaml');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'spec.handlers: every handler must serve a task type listed in taskTypes (rule: self.handlers.all(h, h.taskType in self.taskTypes))',
    );
  });

  it('reports a missing file as an error, not a crash', async () => {
    const r = await procos('lint', 'no-such-file.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no-such-file.yaml');
  });

  it('says how to use lint when no files are given', async () => {
    const r = await procos('lint');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('procos lint: no files given.');
    expect(r.stderr).toContain('Usage: procos lint FILE...');
  });

  it('says an unknown command is unknown, with the usage, exit 2', async () => {
    const r = await procos('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('procos: unknown command "frobnicate"');
    expect(r.stderr).toContain('procos status [-o json|yaml]');
  });

  it('prints its version from package.json', async () => {
    const r = await procos('--version');
    expect(r.stdout).toMatch(/^procos \d+\.\d+\.\d+\n$/);
  });
});

describe('procos demo (the built binary)', () => {
  it('runs the demo process to its printed result and exits at once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'procos-up-test-'));
    try {
      // The SDK's long-poll timers once kept the process alive ~50 s after the result; the
      // test's own timeout (30 s) is what fails if that comes back.
      const r = await procos('demo', '--name', 'Test', '--data-dir', dataDir);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/process instance \d+ completed with variables:/);
      expect(r.stdout).toContain('"greeting": "Hello, Test!"');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('procos lint of BPMN (the built binary)', () => {
  it('passes the system processes, and names element, line and rule of what Camunda 8 would refuse', async () => {
    const ok = await procos('lint', 'processes/request-handling.bpmn', 'processes/ai-query.bpmn');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('ok    processes/request-handling.bpmn');
    const bad = await procos('lint', 'lib/bpmn/testdata/missing-job-type.bpmn');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^error lib\/bpmn\/testdata\/missing-job-type\.bpmn: line \d+, element '[^']+': /m);
  });
});

/** `procos up` as a user runs it: the binary, in its own folder of state. */
function spawnUp(stateDir: string): {
  child: ChildProcess;
  output: () => string;
  waitFor: (text: string) => Promise<void>;
} {
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin/procos.js'),
      'up',
      'cli/up/testdata/hello',
      '--state-dir',
      stateDir,
      '--grpc-port',
      '0',
      '--monitoring-port',
      '0',
      '--http-port',
      '0',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  return {
    child,
    output: () => text,
    waitFor: (what) =>
      waitFor(`procos up to print "${what}"`, () => (text.includes(what) ? true : undefined), {
        timeoutMs: 60_000,
      }).then(() => undefined),
  };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

describe('procos up (the built binary)', () => {
  it('Ctrl-C drains and stops everything it started, exit code 0', async () => {
    const state = tempDir('procos-up-bin-');
    const up = spawnUp(state);
    await up.waitFor('Press Ctrl-C to stop');
    const children = (JSON.parse(readFileSync(join(state, 'children.json'), 'utf8')) as { pid: number }[]).map(
      (c) => c.pid,
    );
    expect(children.length).toBeGreaterThanOrEqual(2); // the engine and a worker
    up.child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => up.child.once('exit', r));
    expect(code, up.output()).toBe(0);
    expect(up.output()).toContain('shutdown     stopped in');
    expect(children.filter(alive)).toEqual([]);
    expect(existsSync(join(state, 'up.json'))).toBe(false);
  });

  it('after being killed outright, the next procos up stops what the killed one left running', async () => {
    const state = tempDir('procos-up-bin-');
    const first = spawnUp(state);
    await first.waitFor('Press Ctrl-C to stop');
    const children = (JSON.parse(readFileSync(join(state, 'children.json'), 'utf8')) as { pid: number }[]).map(
      (c) => c.pid,
    );
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    expect(children.filter(alive)).toEqual(children); // orphans: nobody stopped them
    const second = spawnUp(state);
    await second.waitFor('Press Ctrl-C to stop');
    expect(second.output()).toMatch(
      /cleanup +stopped engine, default-hello-0, left running by a procos up that was killed/,
    );
    expect(children.filter(alive)).toEqual([]);
    second.child.kill('SIGINT');
    expect(await new Promise((r) => second.child.once('exit', r))).toBe(0);
  });

  it('Ctrl-C while booting stops what boot started', async () => {
    const state = tempDir('procos-up-bin-');
    const up = spawnUp(state);
    await up.waitFor('procos-engine ready');
    up.child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => up.child.once('exit', r));
    const children = (JSON.parse(readFileSync(join(state, 'children.json'), 'utf8')) as { pid: number }[]).map(
      (c) => c.pid,
    );
    expect(children.filter(alive)).toEqual([]);
    expect(code === 0 || up.output().includes('interrupted while booting'), up.output()).toBe(true);
  });
});
