import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../lib/cli/version.js';

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

  it('says that a command listed in --help is not built yet, instead of "unknown command"', async () => {
    for (const command of ['run', 'status']) {
      const r = await procos(command);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`procos: "${command}" is not built yet`);
      expect(r.stderr).not.toContain('unknown command');
    }
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
