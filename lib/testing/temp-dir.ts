// Temporary folders for tests, removed when the test (or, created at describe level, the file)
// ends — pass or fail (made in a hook: when the test process exits). PROCOS_KEEP_TEMP=1 keeps
// them to read logs after a failure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

const leftAtExit = new Set<() => void>();
process.once('exit', () => {
  for (const remove of leftAtExit) remove();
});

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = (): void => {
    if (process.env.PROCOS_KEEP_TEMP !== '1') rmSync(dir, { recursive: true, force: true });
  };
  let inTest = true;
  try {
    onTestFinished(remove);
  } catch {
    inTest = false; // not inside a test: collecting a describe block
  }
  if (!inTest) afterAll(remove);
  // Made inside a hook (beforeAll), neither registration takes: the process's exit still removes it.
  leftAtExit.add(remove);
  return dir;
}
