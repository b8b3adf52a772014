// A compiled expression (compiled.ts) must mean exactly what feelin's own evaluation of the
// expression in a context of the same variables means: same value, same warnings — across the
// FEEL that models use, missing variables, errors and temporal values. Each case is evaluated
// twice so the second invocation of the cached function is compared as well.
import { evaluate } from 'feelin';
import { describe, expect, it } from 'vitest';
import { CAMUNDA_BUILTINS } from './camunda-builtins.js';
import { compilableNames, evaluateCompiled } from './compiled.js';

const variables: Record<string, unknown> = {
  a: 3,
  b: 4,
  s: 'Hello, World!',
  items: [
    { price: 5, name: 'x' },
    { price: 7, name: 'y' },
    { price: 1, name: 'z' },
  ],
  order: { id: 'o-1', lines: [1, 2, 3], customer: { name: 'Ada', vip: true } },
  nothing: null,
  flag: false,
  when: '2024-02-28',
  list: [3, 1, 2],
};

const cases = [
  'a + b * 2',
  'a / 0',
  's',
  'string length(s) > 12',
  'upper case(s) + "!"',
  'substring(s, 1, 5)',
  'matches(s, "^Hello")',
  'contains(s, "World") and a < b',
  'items[price > 4].name',
  'sum(items.price)',
  'for i in items return i.price * a',
  'some i in items satisfies i.price > 6',
  'every i in items satisfies i.price > 6',
  'if order.customer.vip then "gold" else "plain"',
  'order.customer.name',
  'order.missing.deeper',
  'missing',
  'missing + 1',
  'is defined(missing)',
  'is defined(order.id)',
  'get or else(nothing, "fallback")',
  'nothing = null',
  'flag or a > 2',
  'a between 1 and 5',
  'a in [1, 2, 3]',
  'a in (2..4]',
  '{x: a, y: {z: b}}.y.z',
  'date(when) + duration("P1D")',
  'date(when) < date("2024-03-01")',
  'sort(list, function(x, y) x < y)',
  'reverse(list)',
  'count(list) = 3 // a trailing comment',
  '(function(x) x * x)(a)',
  'list[1]',
  'list[-1]',
  'not(flag)',
  's instance of string',
  'no such function(a)',
  'a +',
  '"a string with ) and ( in it"',
  'to json(order.customer)',
];

function direct(source: string): unknown {
  const context = { ...CAMUNDA_BUILTINS, ...variables };
  try {
    const { value, warnings } = evaluate(source, context, 'camunda');
    return { value: String(value), warnings: warnings.map((w) => w.type) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function compiled(source: string): unknown {
  const names = Object.keys(variables).filter((n) => source.includes(n));
  expect(compilableNames(names)).toBe(true);
  const outcome = evaluateCompiled(
    source,
    CAMUNDA_BUILTINS,
    names,
    names.map((n) => variables[n]),
  );
  return outcome ? { value: String(outcome.value), warnings: outcome.warnings.map((w) => w.type) } : undefined;
}

describe('compiled FEEL expressions', () => {
  it.each(cases)('%s means what feelin evaluates', (source) => {
    const expected = direct(source);
    for (let i = 0; i < 2; i++) {
      const actual = compiled(source);
      // Only what cannot be compiled (a syntax error) is left to the ordinary evaluation.
      if (actual === undefined) expect(expected).toHaveProperty('error');
      else expect(actual).toEqual(expected);
    }
  });

  it('compiles the expressions models use', () => {
    expect(compiled('string length(s) > 12')).toEqual({ value: 'true', warnings: [] });
  });

  it('binds the values of each evaluation, not the first', () => {
    const run = (greeting: string) => evaluateCompiled('string length(greeting) > 5', {}, ['greeting'], [greeting]);
    expect(run('long enough')?.value).toBe(true);
    expect(run('short')?.value).toBe(false);
  });

  it('does not take names that cannot be parameters', () => {
    expect(compilableNames(['order total'])).toBe(false);
    expect(compilableNames(['for'])).toBe(false);
    expect(compilableNames(['x-y'])).toBe(false);
    expect(compilableNames(['orderTotal', '_x1'])).toBe(true);
  });
});
