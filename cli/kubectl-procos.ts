// `kubectl-procos`, found by kubectl on PATH as `kubectl procos …`: ProcOS on a cluster. Its
// commands share the command layer of `procos` (cli/commands/: help, exit codes, output formats,
// and the engine commands run, incidents, explain and backlog over an engine connection); this
// file only dispatches.
import { main } from '../lib/cli/entry-point.js';
import { VERSION } from '../lib/cli/version.js';
import { backlogCommandFor } from './commands/backlog.js';
import { CommandError, EXIT, type Command } from './commands/command.js';
import { explainCommandFor } from './commands/explain.js';
import { incidentsCommandFor } from './commands/incidents.js';
import { runCommandFor } from './commands/run.js';
import { clusterEngine, MONITORING_ENV } from './kubectl/cluster-engine.js';
import { completeCommand, completionCommand } from './kubectl/completion.js';
import { deployCommand } from './kubectl/deploy.js';
import { diffCommand } from './kubectl/diff.js';
import { getCommand } from './kubectl/get.js';
import { logsCommand } from './kubectl/logs.js';
import { reportCommand } from './kubectl/report.js';
import { clusterStatusCommand } from './kubectl/status.js';
import { versionCommand } from './kubectl/version.js';

const COMMANDS: Command[] = [
  clusterStatusCommand,
  getCommand,
  deployCommand,
  runCommandFor(clusterEngine),
  incidentsCommandFor(clusterEngine),
  backlogCommandFor(clusterEngine),
  explainCommandFor(clusterEngine),
  diffCommand,
  logsCommand,
  reportCommand,
  versionCommand,
  completionCommand,
];
const HIDDEN: Command[] = [completeCommand(() => COMMANDS)];

const help = `
The kubectl plugin for ProcOS (run as \`kubectl procos ...\`; \`kubectl procos COMMAND --help\` for one).

Usage:
${COMMANDS.map((c) => c.help).join('\n')}

Cluster flags, as kubectl's: --kubeconfig FILE, --context NAME, -n NAMESPACE, -A (all namespaces).

The engine (run, incidents, backlog, explain, get --instances): --engine-address HOST:PORT and
--monitoring-url http://HOST:9600 (procos-engine's read API), else ZEEBE_GRPC_ADDRESS and
${MONITORING_ENV} from the environment (with the @camunda8/sdk's auth variables), else the engine
the ProcOS operator uses (its Deployment, label app.kubernetes.io/name=procos-operator;
--operator-namespace NS when there are several). An address inside the cluster (a Service) is
reached through a port-forward to a ready pod behind it, through the apiserver, for as long as
the command runs.

Exit codes: 0 done, 1 the work failed (diff: differences found), 2 usage, 3 the cluster or the
engine does not answer, or the cluster has no ProcOS.
`;

/** Value-taking flags the user may put before the command (`kubectl procos -n ns status`). */
const LEADING_VALUE_FLAGS = new Set(['-n', '--namespace', '--context', '--kubeconfig', '-o', '--output']);

/** The command and its arguments, with flags given before the command moved after it. */
function commandFirst(args: string[]): string[] {
  const leading: string[] = [];
  let i = 0;
  while (i < args.length && (args[i] ?? '').startsWith('-')) {
    const a = args[i] ?? '';
    leading.push(a);
    if (LEADING_VALUE_FLAGS.has(a) && i + 1 < args.length) leading.push(args[++i] ?? '');
    i++;
  }
  return i < args.length ? [args[i] ?? '', ...leading, ...args.slice(i + 1)] : args;
}

async function dispatch(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  const command = [...COMMANDS, ...HIDDEN].find((c) => c.name === name);
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
}

const args = commandFirst(process.argv.slice(2));
const command = COMMANDS.find((c) => c.name === args[0]);
if (command && (args.includes('--help') || args.includes('-h'))) {
  // One command's help; lib/cli/entry-point.ts would print the whole plugin's.
  process.stdout.write(`kubectl-procos ${VERSION}\n\nUsage:\n${command.help}\n`);
} else if (command?.name === 'version') {
  // Ours (with the cluster's versions), not the entry point's one-line answer.
  process.exitCode = await dispatch(args);
  // As the entry point does with exitWhenDone: nothing may keep a finished command alive.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit();
} else await main({ name: 'kubectl-procos', help, exitWhenDone: true, run: dispatch }, args);
