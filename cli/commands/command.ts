// The shape of a CLI command, shared by `procos` and `kubectl procos`: a name, the lines of
// --help, and run() resolving to an exit code. Exit codes mean the same everywhere:
//   0 done, 1 the work failed (invalid input found, a request failed), 2 usage (bad flags,
//   unknown command), 3 the system is not reachable (nothing runs, or the engine is down).
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export interface Command {
  name: string;
  /** `procos NAME ...` usage line(s) and what it does, as --help shows them. */
  help: string;
  /** What it does in a few words (shell completion shows it beside the name). */
  summary?: string;
  run(args: string[]): Promise<number>;
}

/** An error whose message is for the user, with the exit code it means. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export const out = (line = ''): void => void process.stdout.write(`${line}\n`);

/** parseArgs whose mistakes are usage errors (exit 2) with the message parseArgs gives. */
export function parseFlags<T extends ParseArgsConfig['options']>(
  args: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals: true });
  } catch (err) {
    throw new CommandError((err as Error).message, EXIT.usage);
  }
}
