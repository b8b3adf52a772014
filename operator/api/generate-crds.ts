// `make crds`: writes crds/<group>_<plural>.yaml from the zod schemas.
// `--check` exits non-zero when the committed files differ from what would be written.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCrds } from './render-crds.js';

const crdDir = fileURLToPath(new URL('../../crds/', import.meta.url));
const check = process.argv.includes('--check');

let stale = 0;
await mkdir(crdDir, { recursive: true });
for (const [file, text] of renderCrds()) {
  const path = join(crdDir, file);
  const current = await readFile(path, 'utf8').catch(() => '');
  if (current === text) continue;
  if (check) {
    stale++;
    process.stderr.write(`${path} is stale: run \`make crds\`\n`);
  } else {
    await writeFile(path, text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
process.exitCode = stale ? 1 : 0;
