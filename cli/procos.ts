// `procos`: ProcOS on one machine. Each command is a module in commands/ (the layer
// `kubectl procos` shares); this file only dispatches.
import { main } from '../lib/cli/entry-point.js';
import { backlogCommandFor } from './commands/backlog.js';
import { EXIT, CommandError, type Command } from './commands/command.js';
import { demoCommand } from './commands/demo.js';
import { deployCommand } from './commands/deploy.js';
import { explainCommandFor } from './commands/explain.js';
import { incidentsCommandFor } from './commands/incidents.js';
import { lintCommand } from './commands/lint.js';
import { localEngine } from './commands/local-system.js';
import { logsCommand } from './commands/logs.js';
import { runCommandFor } from './commands/run.js';
import { statusCommand } from './commands/status.js';
import { upCommand } from './commands/up.js';

const COMMANDS: Command[] = [
  upCommand,
  statusCommand,
  runCommandFor(localEngine),
  deployCommand,
  incidentsCommandFor(localEngine),
  explainCommandFor(localEngine),
  backlogCommandFor(localEngine),
  logsCommand,
  lintCommand,
  demoCommand,
];

const help = `
ProcOS on one machine.

Usage:
${COMMANDS.map((c) => c.help).join('\n')}
  procos --version       Print the version.

The commands after \`up\` talk to the procos up running with the same --state-dir (default .procos).
Exit codes: 0 done, 1 the work failed (invalid input found, the engine refused), 2 usage,
3 the system is not reachable (no procos up runs, or its engine does not answer).
`;

await main({
  name: 'procos',
  help,
  exitWhenDone: true,
  async run(args) {
    const [name, ...rest] = args;
    const command = COMMANDS.find((c) => c.name === name);
    if (command) {
      try {
        return await command.run(rest);
      } catch (err) {
        if (!(err instanceof CommandError)) throw err;
        process.stderr.write(`procos ${command.name}: ${err.message}\n`);
        return err.exitCode;
      }
    }
    process.stderr.write(`procos: ${name ? `unknown command "${name}"` : 'missing command'}\n${help}`);
    return EXIT.usage;
  },
});
