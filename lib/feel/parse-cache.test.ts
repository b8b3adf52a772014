// Parse trees are reused only for the same source in contexts with the same names with spaces:
// the cached evaluation must give what a fresh parse gives, whatever came before.
import { describe, expect, it } from 'vitest';
import { evaluateFeel } from './feel.js';
import { parseShape } from './parse-cache.js';

describe('FEEL parse cache', () => {
  it('gives each context its own reading of a name with spaces', () => {
    expect(evaluateFeel('order total', { 'order total': 7 })).toEqual({ ok: true, value: 7 });
    expect(evaluateFeel('order total', { order: 1, total: 2 })).toEqual({ ok: true, value: null });
    expect(evaluateFeel('order total', { 'order total': 9 })).toEqual({ ok: true, value: 9 });
    expect(evaluateFeel('x.unit price * 2', { x: { 'unit price': 3 } })).toEqual({ ok: true, value: 6 });
    expect(evaluateFeel('x.unit price * 2', { x: { unit: 1 } }).ok).toBe(false);
  });

  it('evaluates the same source with new values every time', () => {
    for (const greeting of ['Hi', 'Hello, Ada Lovelace!', 'Hello, n1!'])
      expect(evaluateFeel('string length(greeting) > 12', { greeting })).toEqual({
        ok: true,
        value: greeting.length > 12,
      });
  });

  it('looks at the names with spaces of a context, and gives up on a huge one', () => {
    expect(parseShape({ a: 1, 'b c': { 'd e': [{ 'f g': 1 }] } })).toBe('b c\nd e\nf g');
    expect(parseShape({ items: Array.from({ length: 1000 }, (_, i) => ({ i })) })).toBeUndefined();
    expect(evaluateFeel('count(items)', { items: Array.from({ length: 1000 }, (_, i) => ({ i })) })).toEqual({
      ok: true,
      value: 1000,
    });
  });
});
