import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../lib/cli/version.js';
import { tempDir } from '../lib/testing/temp-dir.js';

const root = projectRoot();

async function worker(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(root, 'bin/procos-worker.js'), ...args],
      {
        cwd: root,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('procos-worker (the built binary)', () => {
  it('checks a pool file without connecting', async () => {
    const r = await worker(
      '--pool',
      'processes/samples/workerpool.yaml',
      '--policy',
      'processes/samples/sandboxpolicy.yaml',
      '--check',
    );
    expect(r).toMatchObject({
      code: 0,
      stdout: 'ok    processes/samples/workerpool.yaml: hello.greet (format), hello.reply (format)\n',
    });
  });

  it('exits 1 before connecting, naming the handler, field and rule of a bad config', async () => {
    const file = join(tempDir('procos-worker-test-'), 'pool.yaml');
    writeFileSync(
      file,
      'apiVersion: procos.io/v1alpha1\nkind: WorkerPool\nmetadata: { name: p }\nspec:\n  taskTypes: [t]\n  handlers:\n    - { taskType: t, adapter: format, config: { output: x } }\n',
    );
    const r = await worker('--pool', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'spec.handlers[0] (t).config.template: Invalid input: expected string, received undefined',
    );
  });

  it('says --pool is required', async () => {
    const r = await worker();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--pool FILE is required');
  });
});
