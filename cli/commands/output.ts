// How commands print: aligned tables for people, JSON or YAML (-o) for programs.
import { stringify } from 'yaml';
import { CommandError, EXIT, out } from './command.js';

export const OUTPUT_FLAG = { output: { type: 'string', short: 'o', default: 'text' } } as const;

export type OutputFormat = 'text' | 'json' | 'yaml';

export function outputFormat<F extends OutputFormat>(
  value: unknown,
  allowed: readonly F[] = ['text', 'json', 'yaml'] as F[],
): F {
  if (allowed.includes(value as F)) return value as F;
  throw new CommandError(`-o must be ${allowed.join(', ')}; got ${JSON.stringify(value)}`, EXIT.usage);
}

/** Prints `data` as JSON or YAML and says so; false for text, which the command prints itself. */
export function printData(format: OutputFormat, data: unknown): boolean {
  if (format === 'json') out(JSON.stringify(data, null, 2));
  else if (format === 'yaml') process.stdout.write(stringify(data, { lineWidth: 0 }));
  return format !== 'text';
}

/** A table with aligned columns, for human output. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
