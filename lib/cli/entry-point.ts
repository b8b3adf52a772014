// The shared shape of every ProcOS binary: --help and --version, then its own work.
import { VERSION } from './version.js';

export interface EntryPoint {
  name: string;
  /** Full --help text, without the name line. */
  help: string;
  /** Runs with the remaining arguments; resolves to the exit code. */
  run(args: string[]): Promise<number>;
  /**
   * Exit as soon as run() resolves (one-shot commands; daemons whose run() resolves once stopped). @camunda8/sdk 8.8 arms a timer of
   * longPoll + 1 s for every ActivateJobs call and clears it only when the stream ends, which
   * a stream cancelled by close() never does: without this, `procos up` lingered ~50 s.
   */
  exitWhenDone?: boolean;
}

export async function main(entry: EntryPoint, argv = process.argv.slice(2)): Promise<void> {
  if (argv.includes('--version') || argv[0] === 'version') {
    process.stdout.write(`${entry.name} ${VERSION}\n`);
    return;
  }
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(`${entry.name} ${VERSION}\n\n${entry.help.trim()}\n`);
    return;
  }
  try {
    process.exitCode = await entry.run(argv);
  } catch (err) {
    process.stderr.write(`${entry.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
  if (entry.exitWhenDone) {
    // Flush what was written before leaving (pipes are asynchronous in Node).
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
    process.exit();
  }
}

/** For binaries whose work lands in a later issue: say so honestly, exit 2 (usage). */
export function notYet(name: string, what: string): (args: string[]) => Promise<number> {
  return (args) => {
    process.stderr.write(
      `${name}: ${args.length ? `"${args.join(' ')}": ` : ''}${what}\nRun \`${name} --help\` for what works today.\n`,
    );
    return Promise.resolve(2);
  };
}
