// `kubectl-procos`, found by kubectl on PATH as `kubectl procos …`: ProcOS on a cluster. Its
// commands share the command layer of `procos` (cli/commands/command.ts: help, exit codes,
// output formats); this file only dispatches.
import { main } from '../lib/cli/entry-point.js';
import { CommandError, EXIT, type Command } from './commands/command.js';
import { clusterStatusCommand } from './kubectl/status.js';

const COMMANDS: Command[] = [clusterStatusCommand];

const help = `
The kubectl plugin for ProcOS (run as \`kubectl procos ...\`).

Usage:
${COMMANDS.map((c) => c.help).join('\n')}
  kubectl procos version      Print the version.

Cluster flags, as kubectl's: --kubeconfig FILE, --context NAME, -n NAMESPACE, -A (all namespaces).
Exit codes: 0 done, 1 the work failed, 2 usage, 3 the cluster does not answer or has no ProcOS.
Still to come: get (as a tree), deploy, run, incidents, backlog, explain, diff, logs, report.
`;

await main({
  name: 'kubectl-procos',
  help,
  async run(args) {
    const [name, ...rest] = args;
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      process.stderr.write(`kubectl procos: ${name ? `unknown command "${name}"` : 'missing command'}\n${help}`);
      return EXIT.usage;
    }
    try {
      return await command.run(rest);
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      process.stderr.write(`kubectl procos ${command.name}: ${err.message}\n`);
      return err.exitCode;
    }
  },
});
