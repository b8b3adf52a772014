// The job's variables as Scilab assignments, generated here rather than parsed by Scilab's
// fromJSON: Scilab 6.1's fromJSON keeps escapes such as \" inside strings and turns null into
// the string "null". Lines stay short because Scilab's scanner overflows on lines of ~100 KB.

/** Scilab names this adapter accepts for inputs and outputs. */
export const SCILAB_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Names the generated code uses for itself. */
export const RESERVED_PREFIX = '__procos';

const CHUNK = 1000;

class Emitter {
  readonly lines: string[] = [];
  private temps = 0;

  temp(): string {
    return `${RESERVED_PREFIX}_t${++this.temps}`;
  }

  /** Emits statements that leave `value` in variable `target`. */
  assign(target: string, value: unknown, where: string): void {
    if (value === null || value === undefined) return void this.lines.push(`${target} = [];`);
    if (typeof value === 'boolean') return void this.lines.push(`${target} = ${value ? '%t' : '%f'};`);
    if (typeof value === 'number') return void this.lines.push(`${target} = ${numberLiteral(value, where)};`);
    if (typeof value === 'string') return this.string(target, value);
    if (Array.isArray(value)) return this.array(target, value, where);
    if (typeof value === 'object') return this.struct(target, value as Record<string, unknown>, where);
    throw new Error(`${where}: a ${typeof value} has no Scilab form`);
  }

  private string(target: string, s: string): void {
    const chars = Array.from(s); // code points: a chunk never splits a surrogate pair
    if (chars.length === 0) return void this.lines.push(`${target} = "";`);
    for (let i = 0; i < chars.length; i += CHUNK) {
      const piece = stringLiteral(chars.slice(i, i + CHUNK).join(''));
      this.lines.push(i === 0 ? `${target} = ${piece};` : `${target} = ${target} + ${piece};`);
    }
  }

  private array(target: string, items: unknown[], where: string): void {
    const kind = uniformKind(items);
    if (items.length === 0) return void this.lines.push(`${target} = [];`);
    if (kind === 'string') {
      // One element a statement: strings may be long and are themselves assigned in chunks.
      items.forEach((v, i) => {
        const t = this.temp();
        this.string(t, v as string);
        this.lines.push(i === 0 ? `${target} = [${t}];` : `${target} = [${target},${t}];`, `clear ${t};`);
      });
      return;
    }
    if (kind) {
      // A row vector, in chunks of short lines.
      for (let i = 0; i < items.length; i += CHUNK / 10) {
        const part = items.slice(i, i + CHUNK / 10).map((v, j) => scalarLiteral(v, kind, `${where}[${i + j}]`));
        this.lines.push(i === 0 ? `${target} = [${part.join(',')}];` : `${target} = [${target},${part.join(',')}];`);
      }
      return;
    }
    this.lines.push(`${target} = list();`);
    items.forEach((v, i) => {
      const t = this.temp();
      this.assign(t, v, `${where}[${i}]`);
      this.lines.push(`${target}($+1) = ${t};`, `clear ${t};`);
    });
  }

  private struct(target: string, o: Record<string, unknown>, where: string): void {
    this.lines.push(`${target} = struct();`);
    for (const [k, v] of Object.entries(o)) {
      const t = this.temp();
      this.assign(t, v, `${where}.${k}`);
      this.lines.push(`${target}(${stringLiteral(k)}) = ${t};`, `clear ${t};`);
    }
  }
}

type Kind = 'number' | 'boolean' | 'string';

function uniformKind(items: unknown[]): Kind | undefined {
  const kinds = new Set(items.map((v) => typeof v));
  if (kinds.size !== 1) return undefined;
  const [k] = kinds;
  return k === 'number' || k === 'boolean' || k === 'string' ? k : undefined;
}

function scalarLiteral(v: unknown, kind: Exclude<Kind, 'string'>, where: string): string {
  return kind === 'number' ? numberLiteral(v as number, where) : v ? '%t' : '%f';
}

function numberLiteral(n: number, where: string): string {
  if (!Number.isFinite(n)) throw new Error(`${where}: ${n} is not a finite number`);
  return String(n); // shortest round-trip form; Scilab reads 1e+21 and 5e-7 too
}

/** A Scilab string literal: both quote kinds doubled, control characters through ascii(). */
export function stringLiteral(s: string): string {
  const parts: string[] = [];
  let plain = '';
  for (const ch of Array.from(s)) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 32 || code === 127) {
      if (plain) parts.push(`"${plain}"`);
      plain = '';
      parts.push(`ascii(${code})`);
    } else plain += ch === '"' ? '""' : ch === "'" ? "''" : ch;
  }
  if (plain || parts.length === 0) parts.push(`"${plain}"`);
  return parts.join('+');
}

/** Scilab statements that define each variable; names must be Scilab names. */
export function scilabInputs(variables: Record<string, unknown>): string {
  const e = new Emitter();
  for (const [name, value] of Object.entries(variables)) {
    if (!SCILAB_NAME.test(name) || name.startsWith(RESERVED_PREFIX))
      throw new Error(
        `compute: variable '${name}' is not a Scilab name (letters, digits, _; not starting with a digit or ${RESERVED_PREFIX}); list the variables the script needs in config.inputs`,
      );
    e.assign(name, value, name);
  }
  return e.lines.join('\n');
}
