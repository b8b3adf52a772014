// Temporary folders for tests, removed when the test (or, created at describe level or in a
// hook, the file) ends — pass or fail. PROCOS_KEEP_TEMP=1 keeps them to read logs after a failure.
// Outside vitest (a benchmark using a test harness) they are removed when the process exits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

const leftAtExit = new Set<() => void>();
// Registered when a test file imports this module, on the file's root suite, so it runs after
// every describe block's own afterAll (engines stopped first). A process 'exit' handler is not
// enough: vitest's worker processes end without emitting it (checked: folders were left).
const inVitest = process.env.VITEST !== undefined;
const removeAll = (): void => {
  for (const remove of leftAtExit) remove();
  leftAtExit.clear();
};
if (inVitest) afterAll(removeAll);
else process.once('exit', removeAll);

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = (): void => {
    if (process.env.PROCOS_KEEP_TEMP !== '1') rmSync(dir, { recursive: true, force: true });
  };
  let inTest = inVitest;
  try {
    if (inVitest) onTestFinished(remove);
  } catch {
    inTest = false; // not inside a test: collecting a describe block
  }
  if (inVitest && !inTest) afterAll(remove);
  // Made inside a hook (beforeAll), neither registration takes: the file's end removes it.
  leftAtExit.add(remove);
  return dir;
}
