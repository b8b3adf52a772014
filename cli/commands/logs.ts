// `procos logs [NAME]`: the components' logs that `procos up` keeps in <state>/logs — the engine,
// procos up itself, and every worker (a pool's name selects all its workers). JSON lines
// (pino) are shown as time, level, message and context; -o json passes them through.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CommandError, EXIT, out, parseFlags, type Command } from './command.js';
import { STATE_FLAG } from './local-system.js';
import { humanLine } from './log-line.js';
import { OUTPUT_FLAG, outputFormat } from './output.js';

function filesFor(dir: string, name: string): string[] {
  const all = readdirSync(dir).filter((f) => f.endsWith('.log'));
  const exact = all.filter((f) => f === `${name}.log`);
  if (exact.length) return exact;
  // A pool: its workers are <namespace>-<pool>-<n>.log
  return all.filter((f) => new RegExp(`^[a-z0-9-]+?-${name.replace(/[^a-z0-9-]/g, '')}-\\d+\\.log$`).test(f));
}

export const logsCommand: Command = {
  name: 'logs',
  help: `  procos logs [NAME] [--tail N] [-f] [-o json]
                         The logs of what procos up runs: without NAME, which logs there are;
                         NAME is engine, procos-up, a pool (all its workers) or one worker.
                         --tail N lines (default 50), -f follows new lines until Ctrl-C.`,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      ...STATE_FLAG,
      ...OUTPUT_FLAG,
      tail: { type: 'string', default: '50' },
      follow: { type: 'boolean', short: 'f', default: false },
    });
    const format = outputFormat(values.output, ['text', 'json']);
    const dir = join(values['state-dir'], 'logs');
    if (!existsSync(dir))
      throw new CommandError(`no logs in ${dir}: has procos up run with this state folder?`, EXIT.unreachable);
    const [name, ...extra] = positionals;
    if (extra.length) throw new CommandError('usage: procos logs [NAME]', EXIT.usage);
    if (!name) {
      for (const f of readdirSync(dir)
        .filter((x) => x.endsWith('.log'))
        .sort())
        out(`${f.replace(/\.log$/, '').padEnd(40)} ${statSync(join(dir, f)).size} bytes`);
      return EXIT.ok;
    }
    const files = filesFor(dir, name);
    if (!files.length)
      throw new CommandError(
        `no log named ${name} (procos logs lists them: engine, procos-up, the workers)`,
        EXIT.failed,
      );
    const tail = Number(values.tail);
    if (!Number.isInteger(tail) || tail < 0) throw new CommandError('--tail is a whole number', EXIT.usage);
    const show = (file: string, line: string): void => {
      const text = format === 'json' ? line : humanLine(line);
      out(files.length > 1 ? `${file.replace(/\.log$/, '')} | ${text}` : text);
    };
    const offsets = new Map<string, number>();
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      offsets.set(f, Buffer.byteLength(text));
      for (const line of text.split('\n').filter(Boolean).slice(-tail)) show(f, line);
    }
    if (!values.follow) return EXIT.ok;
    // Follow: read what was appended since, until the user stops us.
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      for (const f of filesFor(dir, name)) {
        const buf = readFileSync(join(dir, f));
        const from = offsets.get(f) ?? 0;
        if (buf.length <= from) continue;
        offsets.set(f, buf.length);
        for (const line of buf.subarray(from).toString('utf8').split('\n').filter(Boolean)) show(f, line);
      }
    }
  },
};
