import { describe, expect, it } from 'vitest';
import {
  compileGlob,
  compileGlobs,
  disallowedTaskTypes,
  matchGlob,
  TASK_TYPE_GLOB_PATTERN,
  type CompiledGlob,
  type MatchStats,
} from './task-type-glob.js';

function glob(source: string): CompiledGlob {
  const c = compileGlob(source);
  if (!c.ok) throw new Error(`${source}: ${c.error}`);
  return c.glob;
}

describe('task type globs', () => {
  it.each([
    ['hello.*', 'hello.greet', true],
    ['hello.*', 'hellox', false],
    ['io.camunda.*', 'io.camunda.zeebe:userTask', true],
    ['ai-?', 'ai-1', true],
    ['ai-?', 'ai-10', false],
    ['script.[a-c]', 'script.b', true],
    ['script.[a-c]', 'script.d', false],
    ['script.[!a-c]', 'script.d', true],
    ['script.[^a-c]', 'script.a', false],
    ['v[0-9x]', 'vx', true],
    ['exact', 'exact', true],
    ['a.b', 'aXb', false],
    ['*', '', true],
    ['*b', 'aab', true],
    ['a*b*c', 'abXbYc', true],
    ['a*b*c', 'abXbY', false],
    ['**.x', 'a.x', true],
    ['é?', 'éü', true],
    ['?', '😀', true],
  ])('%s matches %s: %s', (source, type, expected) => {
    expect(matchGlob(glob(source), type)).toBe(expected);
  });

  it('lists the job types no glob allows', () => {
    expect(disallowedTaskTypes(['hello.greet', 'send-email', 'hello.reply'], [glob('hello.*')])).toEqual([
      'send-email',
    ]);
  });

  it('matches a pathological glob against a long job type in at most (glob + 1) × (type + 1) steps', () => {
    // `*a*a*a*a*b` against 180 `a`s blocked the RegExp-based matcher for 17 s.
    const g = glob('*a*a*a*a*a*a*a*a*a*a*b');
    const type = 'a'.repeat(180);
    const stats: MatchStats = { steps: 0 };
    expect(matchGlob(g, type, stats)).toBe(false);
    expect(stats.steps).toBeLessThanOrEqual((g.tokens.length + 1) * (type.length + 1));
    const worst: MatchStats = { steps: 0 };
    matchGlob(glob('*'.repeat(1) + 'a?'.repeat(100) + 'b'), 'a'.repeat(255), worst);
    expect(worst.steps).toBeLessThanOrEqual(202 * 256);
  });

  it.each([
    ['script.[z-a]', 'range z-a is reversed (write a-z)'],
    ['[a-Z]', 'range a-Z must stay within a-z, A-Z or 0-9'],
    ['a[bc', "unterminated class: '[' without ']'"],
    ['a]', "']' without '['"],
    ['a[]', 'empty class []'],
    ['a[-x]', "'-' is not allowed inside a class (a class lists characters and ranges such as a-z)"],
    ['a b', 'whitespace is not allowed'],
    ['', 'a glob must not be empty'],
  ])('refuses %j: %s', (source, error) => {
    expect(compileGlob(source)).toEqual({ ok: false, error });
  });

  it('compiles a policy, setting the invalid globs aside with why', () => {
    const { globs, invalid } = compileGlobs(['hello.*', '[z-a]']);
    expect(globs.map((g) => g.source)).toEqual(['hello.*']);
    expect(invalid).toEqual([{ glob: '[z-a]', error: 'range z-a is reversed (write a-z)' }]);
  });

  it('the CRD pattern accepts exactly the globs the parser accepts', () => {
    // A deterministic sweep over short strings of the characters that matter to the grammar.
    const alphabet = ['a', 'z', 'A', '0', '9', '-', '.', '*', '?', '[', ']', '!', '^', '\\', ' ', 'é'];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 20_000; n++) {
      const len = 1 + (next() % 8);
      const s = Array.from({ length: len }, () => alphabet[next() % alphabet.length]).join('');
      expect(TASK_TYPE_GLOB_PATTERN.test(s), JSON.stringify(s)).toBe(compileGlob(s).ok);
    }
  });
});
