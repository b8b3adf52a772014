// `procos`: ProcOS on one machine. Each command is a module in commands/ (the layer
// `kubectl procos` shares); this file only dispatches.
import { main } from '../lib/cli/entry-point.js';
import { EXIT, CommandError, type Command } from './commands/command.js';
import { demoCommand } from './commands/demo.js';
import { lintCommand } from './commands/lint.js';
import { upCommand } from './commands/up.js';

const COMMANDS: Command[] = [upCommand, lintCommand, demoCommand];

/** Listed in --help as coming; asked for, they say so instead of "unknown command". */
const NOT_YET = ['status', 'run', 'deploy', 'incidents', 'explain', 'logs'];

const help = `
ProcOS on one machine.

Usage:
${COMMANDS.map((c) => c.help).join('\n')}
  procos --version       Print the version.

Exit codes: 0 done, 1 the work failed (invalid input found), 2 usage, 3 the system is not reachable.
Not built yet: ${NOT_YET.join(', ')}.
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
    if (name && NOT_YET.includes(name)) {
      process.stderr.write(
        `procos: "${name}" is not built yet (it comes with the next steps of the one-machine microkernel); today \`procos up\` runs the system, \`procos demo\` runs the hello demo and \`procos lint FILE...\` validates manifests and BPMN.\n`,
      );
      return EXIT.usage;
    }
    process.stderr.write(`procos: ${name ? `unknown command "${name}"` : 'missing command'}\n${help}`);
    return EXIT.usage;
  },
});
