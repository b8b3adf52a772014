import { lintManifestFile } from './lint-manifests.js';
import { main } from '../lib/cli/entry-point.js';

const help = `
ProcOS on one machine.

Usage:
  procos lint FILE...    Validate ProcOS manifests (ProcOSProcess, WorkerPool, SandboxPolicy)
                         with the same schemas and CEL rules as the cluster's CRDs.
                         Exit 0 when all are valid, 1 otherwise.
  procos --version       Print the version.

Not built yet: up, run, deploy, status, incidents (they arrive with the engine and
microkernel issues; until then \`make up\` says what it can do).
`;

await main({
  name: 'procos',
  help,
  async run(args) {
    const [command, ...rest] = args;
    if (command !== 'lint' || rest.length === 0) {
      process.stderr.write(`procos: ${command ? `unknown command "${command}"` : 'missing command'}\n${help}`);
      return 2;
    }
    let failed = 0;
    for (const file of rest) {
      for (const f of await lintManifestFile(file)) {
        const where = `${f.file}#${f.document}${f.name ? ` (${f.name})` : ''}`;
        if (f.errors.length === 0) {
          process.stdout.write(`ok    ${where}\n`);
          continue;
        }
        failed++;
        for (const e of f.errors) process.stdout.write(`error ${where}: ${e}\n`);
      }
    }
    return failed ? 1 : 0;
  },
});
