// SandboxPolicy.allowedTaskTypes are globs over Zeebe job types: `*` any run of characters,
// `?` one character, `[a-z]` a class (`[!a-z]` or `[^a-z]` negated) listing characters and
// ascending ranges within a-z, A-Z or 0-9. Everything else matches itself.
//
// No RegExp: a glob like `*a*a*a*a*b` against a long job type made V8's backtracking engine
// run for seconds (17 s for a 180-character type), long enough for the operator to miss its
// lease renewal. matchGlob is the two-pointer wildcard match: it only ever backtracks to the
// last `*`, so it takes at most (glob length + 1) × (type length + 1) steps.

export type GlobToken =
  | { kind: 'literal'; char: string }
  | { kind: 'one' }
  | { kind: 'star' }
  | { kind: 'class'; negated: boolean; chars: string[]; ranges: [string, string][] };

export interface CompiledGlob {
  source: string;
  tokens: GlobToken[];
}

/** The longest glob (and job type) the CRDs accept. */
export const MAX_GLOB_LENGTH = 255;

const RANGE_SETS = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const WHITESPACE = '\t\n\v\f\r ';
/** The same characters as regex escapes, so the CRD's pattern stays printable. */
const WHITESPACE_RE = '\\t\\n\\v\\f\\r ';

/** Every ascending range within one set, as RE2 and ECMAScript both read it: `a-[a-z]|b-[b-z]|…`. */
function rangeAlternatives(): string {
  return RANGE_SETS.flatMap((set) =>
    Array.from(set).map((lo, i) => (i === set.length - 1 ? `${lo}-${lo}` : `${lo}-[${lo}-${set.at(-1) ?? lo}]`)),
  ).join('|');
}

/**
 * The glob grammar as a regular expression, for the CRD's OpenAPI `pattern` (the apiserver's
 * RE2) and zod alike, so `[z-a]` is refused at `kubectl apply` instead of breaking every
 * process that references the policy. Unambiguous (a class item cannot start with `-`), so
 * ECMAScript engines match it without runaway backtracking too.
 */
export const TASK_TYPE_GLOB_PATTERN = new RegExp(
  `^(?:[^${WHITESPACE_RE}*?\\[\\]]|\\*|\\?|\\[[!^]?(?:${rangeAlternatives()}|[^${WHITESPACE_RE}\\[\\]\\\\!^-])+\\])+$`,
);

function rangeSet(c: string): string | undefined {
  return RANGE_SETS.find((s) => s.includes(c));
}

function parseClass(chars: string[], start: number): { token: GlobToken; end: number } | { error: string } {
  let i = start + 1;
  const negated = chars[i] === '!' || chars[i] === '^';
  if (negated) i++;
  const token: Extract<GlobToken, { kind: 'class' }> = { kind: 'class', negated, chars: [], ranges: [] };
  for (; i < chars.length && chars[i] !== ']'; i++) {
    const c = chars[i] ?? '';
    if (WHITESPACE.includes(c)) return { error: 'whitespace is not allowed' };
    if (c === '[' || c === '\\' || c === '!' || c === '^' || c === '-')
      return { error: `'${c}' is not allowed inside a class (a class lists characters and ranges such as a-z)` };
    if (chars[i + 1] === '-' && chars[i + 2] !== undefined && chars[i + 2] !== ']') {
      const hi = chars[i + 2] ?? '';
      const set = rangeSet(c);
      if (!set || set !== rangeSet(hi)) return { error: `range ${c}-${hi} must stay within a-z, A-Z or 0-9` };
      if (set.indexOf(hi) < set.indexOf(c)) return { error: `range ${c}-${hi} is reversed (write ${hi}-${c})` };
      token.ranges.push([c, hi]);
      i += 2;
    } else token.chars.push(c);
  }
  if (i >= chars.length) return { error: "unterminated class: '[' without ']'" };
  if (!token.chars.length && !token.ranges.length) return { error: 'empty class []' };
  return { token, end: i };
}

/** Parses a glob; the error names what is wrong in words a policy author can act on. */
export function compileGlob(glob: string): { ok: true; glob: CompiledGlob } | { ok: false; error: string } {
  const chars = Array.from(glob); // code points: `?` is one character, not one UTF-16 unit
  if (!chars.length) return { ok: false, error: 'a glob must not be empty' };
  if (glob.length > MAX_GLOB_LENGTH) return { ok: false, error: `longer than ${MAX_GLOB_LENGTH} characters` };
  const tokens: GlobToken[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    if (WHITESPACE.includes(c)) return { ok: false, error: 'whitespace is not allowed' };
    if (c === '*') {
      // `**` means the same as `*`; one star keeps the match to one backtrack point.
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'one' });
    else if (c === ']') return { ok: false, error: "']' without '['" };
    else if (c === '[') {
      const parsed = parseClass(chars, i);
      if ('error' in parsed) return { ok: false, error: parsed.error };
      tokens.push(parsed.token);
      i = parsed.end;
    } else tokens.push({ kind: 'literal', char: c });
  }
  return { ok: true, glob: { source: glob, tokens } };
}

function matchesOne(token: GlobToken, c: string): boolean {
  switch (token.kind) {
    case 'literal':
      return token.char === c;
    case 'one':
      return true;
    case 'star':
      return false;
    case 'class': {
      const inClass = token.chars.includes(c) || token.ranges.some(([lo, hi]) => lo <= c && c <= hi);
      return inClass !== token.negated;
    }
  }
}

/** Counts the loop iterations of a match, for tests that bound its work instead of its time. */
export interface MatchStats {
  steps: number;
}

/** Whether the whole job type matches the glob; at most (tokens + 1) × (characters + 1) steps. */
export function matchGlob(glob: CompiledGlob, taskType: string, stats?: MatchStats): boolean {
  const p = glob.tokens;
  const s = Array.from(taskType);
  let pi = 0;
  let si = 0;
  // Where the last `*` is and how much of the type it has swallowed so far.
  let star = -1;
  let starSi = 0;
  while (si < s.length) {
    if (stats) stats.steps++;
    const token = p[pi];
    if (token?.kind === 'star') {
      star = pi++;
      starSi = si;
    } else if (token && matchesOne(token, s[si] ?? '')) {
      pi++;
      si++;
    } else if (star >= 0) {
      // Let the last `*` take one more character and retry what follows it. Earlier stars
      // never need revisiting: whatever they matched, the last one can absorb the difference.
      pi = star + 1;
      si = ++starSi;
    } else return false;
  }
  while (p[pi]?.kind === 'star') pi++;
  return pi === p.length;
}

/** Compiles every glob of a policy; the invalid ones come back with why. */
export function compileGlobs(allowed: string[]): { globs: CompiledGlob[]; invalid: { glob: string; error: string }[] } {
  const globs: CompiledGlob[] = [];
  const invalid: { glob: string; error: string }[] = [];
  for (const g of allowed) {
    const c = compileGlob(g);
    if (c.ok) globs.push(c.glob);
    else invalid.push({ glob: g, error: c.error });
  }
  return { globs, invalid };
}

/** Job types that no glob allows. */
export function disallowedTaskTypes(taskTypes: string[], allowed: CompiledGlob[]): string[] {
  return taskTypes.filter((t) => !allowed.some((g) => matchGlob(g, t)));
}
