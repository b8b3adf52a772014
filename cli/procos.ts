import { parseArgs } from 'node:util';
import { lintManifestFile } from './lint-manifests.js';
import { upDemo } from './up-demo.js';
import { main } from '../lib/cli/entry-point.js';

const help = `
ProcOS on one machine.

Usage:
  procos up [--name NAME] [--data-dir DIR]
                         Start procos-engine (a Zeebe-protocol engine) as a local process,
                         deploy processes/hello.bpmn, serve its job types with SDK workers,
                         run one instance and print its result, then stop the engine.
                         State is kept in DIR (default .procos/engine).
  procos lint FILE...    Validate ProcOS manifests (ProcOSProcess, WorkerPool, SandboxPolicy)
                         with the same schemas and CEL rules as the cluster's CRDs.
                         Exit 0 when all are valid, 1 otherwise.
  procos --version       Print the version.

Not built yet: run, deploy, status, incidents, and \`up\` as the full microkernel
(operator reconcile loop and worker pools on one machine).
`;

const NOT_YET = new Set(['run', 'deploy', 'status', 'incidents']);

await main({
  name: 'procos',
  help,
  exitWhenDone: true,
  async run(args) {
    const [command, ...rest] = args;
    if (command === 'up') {
      const { values } = parseArgs({
        args: rest,
        options: { name: { type: 'string' }, 'data-dir': { type: 'string' } },
      });
      const variables = await upDemo({
        name: values.name ?? 'World',
        dataDir: values['data-dir'] ?? '.procos/engine',
        out: (line) => process.stdout.write(`${line}\n`),
      });
      process.stdout.write(`${JSON.stringify(variables, null, 2)}\n`);
      return 0;
    }
    if (command && NOT_YET.has(command)) {
      process.stderr.write(
        `procos: "${command}" is not built yet (it comes with the one-machine microkernel); today \`procos up\` runs the demo process and \`procos lint FILE...\` validates manifests.\n`,
      );
      return 2;
    }
    if (command === 'lint' && rest.length === 0) {
      process.stderr.write(
        'procos lint: no files given.\nUsage: procos lint FILE...   e.g. procos lint processes/samples/*.yaml\n',
      );
      return 2;
    }
    if (command !== 'lint') {
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
