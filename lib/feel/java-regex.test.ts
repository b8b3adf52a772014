import { describe, expect, it } from 'vitest';
import { evaluateFeel } from './feel.js';
import { javaRegex, translateJavaRegex } from './java-regex.js';

const feel = (source: string, variables: Record<string, unknown> = {}): unknown => {
  const r = evaluateFeel(source, variables);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('FEEL regex built-ins with Java syntax (as FEEL-Scala)', () => {
  it('an escaped character Java accepts (\\: \\# \\@ \\-) matches it, instead of turning the result into null', () => {
    expect(feel('matches(code, "^A\\\\:\\\\d+\\\\#\\\\@x\\\\-y$")', { code: 'A:12#@x-y' })).toBe(true);
    expect(feel('matches(code, "^A\\\\:\\\\d+$")', { code: 'B:12' })).toBe(false);
    expect(feel('matches(input: "a:b", pattern: "a\\\\:b")')).toBe(true);
  });

  it('POSIX classes, \\A and \\z, inline flags, possessive quantifiers and atomic groups', () => {
    expect(feel('matches("Abc9", "^\\\\p{Alpha}+\\\\p{Digit}$")')).toBe(true);
    expect(feel('matches("x y", "[\\\\p{Punct}\\\\p{Space}]")')).toBe(true);
    expect(feel('matches("ABC", "\\\\Aabc\\\\z", "i")')).toBe(true);
    expect(feel('matches("ABC", "(?i)abc")')).toBe(true);
    expect(feel('matches("aaa", "^a++$")')).toBe(true);
    expect(feel('matches("ab", "^(?>a|ab)b?$")')).toBe(true);
  });

  it('replace: $n groups and $0, \\$ literal, flags; split by a pattern', () => {
    expect(feel('replace("2026-11-26", "(\\\\d+)-(\\\\d+)-(\\\\d+)", "$3.$2.$1")')).toBe('26.11.2026');
    expect(feel('replace("abc", "b", "[$0]")')).toBe('a[b]c');
    expect(feel('replace("a1", "\\\\d", "\\\\$")')).toBe('a$');
    expect(feel('replace("aBc", "b", "x", "i")')).toBe('axc');
    expect(feel('split("a:b#c", "[\\\\:\\\\#]")')).toEqual(['a', 'b', 'c']);
  });

  it('an invalid pattern or flag is null, as in FEEL', () => {
    expect(feel('matches("a", "(")')).toBeNull();
    expect(feel('matches("a", "a", "x")')).toBeNull();
    expect(javaRegex('[z-a]')).toBeNull();
  });

  it('leaves what JavaScript reads alike untouched', () => {
    expect(translateJavaRegex('^[\\-a-z]+\\.\\d{2,}$')).toEqual({ source: '^[\\-a-z]+\\.\\d{2,}$', flags: '' });
  });
});
