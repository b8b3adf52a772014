// FEEL's regex built-ins (matches, replace, split) as FEEL-Scala runs them: with Java's regex
// syntax. feelin compiles patterns as JavaScript regexes in unicode mode, where an escape Java
// accepts — `\:`, `\#`, `\@` — is a syntax error and the result silently becomes null (issue 14).
// This translates the Java constructs real models use into their JavaScript equal, and leaves a
// pattern neither accepts invalid (null, as FEEL does for an invalid pattern).
import { FeelFunction } from 'feelin';

/** Characters JavaScript's unicode mode lets be escaped outside a class. */
const SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

/** Java's POSIX classes (US-ASCII, as Java's default) as class contents. */
const POSIX: Record<string, string> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
};
const HORIZONTAL_SPACE = ' \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000';

/** A Java pattern as a JavaScript one, and the inline flags it started with. */
export function translateJavaRegex(pattern: string): { source: string; flags: string } {
  let flags = '';
  let rest = pattern;
  // Leading inline flags, e.g. (?i): JavaScript takes flags beside the pattern instead.
  const inline = /^\(\?([imsx]+)\)/.exec(rest);
  if (inline) {
    flags = inline[1] ?? '';
    rest = rest.slice(inline[0].length);
  }
  let out = '';
  let inClass = false;
  /** The last thing written was a quantifier (* + ? or a {n,m}'s closing brace). */
  let afterQuantifier = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i] ?? '';
    const quantified = afterQuantifier;
    afterQuantifier = false;
    if (c === '\\') {
      const next = rest[i + 1] ?? '';
      i++;
      const posix = /^p\{(?:Is)?([A-Za-z]+)\}/.exec(rest.slice(i));
      if (posix && POSIX[posix[1] ?? '']) {
        const body = POSIX[posix[1] ?? ''] ?? '';
        out += inClass ? body : `[${body}]`;
        i += posix[0].length - 1;
      } else if (next === 'A' && !inClass) out += '^';
      else if ((next === 'z' || next === 'Z') && !inClass) out += '$';
      else if (next === 'h') out += inClass ? HORIZONTAL_SPACE : `[${HORIZONTAL_SPACE}]`;
      else if (/[A-Za-z0-9]/.test(next) || SYNTAX.has(next) || (inClass && next === '-')) out += `\\${next}`;
      // Java escapes any other character to itself; JavaScript's unicode mode refuses that.
      else out += next;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A leading ] or ^] is a literal in both; copy it so it does not close the class.
      if (rest[i + 1] === '^') out += rest[++i] ?? '';
      if (rest[i + 1] === ']') out += `\\${rest[++i] ?? ''}`;
      continue;
    }
    // Atomic groups (?>…) and possessive quantifiers (*+ ++ ?+ }+) do not exist in JavaScript:
    // their greedy form matches the same strings for the patterns models use.
    if (c === '(' && rest.startsWith('(?>', i)) {
      out += '(?:';
      i += 2;
      continue;
    }
    if (c === '+' && quantified) continue;
    afterQuantifier = c === '*' || c === '+' || c === '?' || c === '}';
    out += c;
  }
  return { source: out, flags };
}

/** FEEL's flags (s, m, i; x is not supported) and a pattern → a RegExp, or null when invalid. */
export function javaRegex(pattern: string, flags = '', defaults = ''): RegExp | null {
  const { source, flags: inline } = translateJavaRegex(pattern);
  const all = [...new Set(flags + inline + defaults)].join('');
  if (/[^smig]/.test(all)) return null;
  try {
    return new RegExp(source, `u${all}`);
  } catch {
    return null;
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';

/** Java's replacement syntax: $n groups (as JavaScript), $0 the whole match, \$ and \\ literal. */
function javaReplacement(replacement: string): string {
  return replacement.replace(/\\(.)|\$0|\$/g, (m, escaped: string | undefined) =>
    escaped !== undefined ? (escaped === '$' ? '$$' : escaped) : m === '$0' ? '$&' : m,
  );
}

/** The three built-ins, taking precedence over feelin's (context names resolve first). */
export const JAVA_REGEX_BUILTINS: Record<string, FeelFunction> = {
  matches: new FeelFunction(
    (input: unknown, pattern: unknown, flags: unknown) => {
      if (!isString(input) || !isString(pattern) || (flags != null && !isString(flags))) return null;
      return javaRegex(pattern, flags ?? '')?.test(input) ?? null;
    },
    ['input', 'pattern', 'flags'],
  ),
  replace: new FeelFunction(
    (input: unknown, pattern: unknown, replacement: unknown, flags: unknown) => {
      if (!isString(input) || !isString(pattern) || !isString(replacement) || (flags != null && !isString(flags)))
        return null;
      const re = javaRegex(pattern, flags ?? '', 'g');
      return re ? input.replace(re, javaReplacement(replacement)) : null;
    },
    ['input', 'pattern', 'replacement', 'flags'],
  ),
  split: new FeelFunction(
    (input: unknown, delimiter: unknown) => {
      if (!isString(input) || !isString(delimiter)) return null;
      const re = javaRegex(delimiter);
      return re ? input.split(re) : null;
    },
    ['string', 'delimiter'],
  ),
};
