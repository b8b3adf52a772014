// FEEL as the engine evaluates it: Camunda's extra built-ins, names with spaces, paths —
// with the context narrowed to the names the expression mentions.
import { describe, expect, it } from 'vitest';
import { evaluateFeel } from './feel.js';

describe('evaluateFeel', () => {
  const variables = {
    'order total': 120,
    order: { items: [{ price: 5 }, { price: 7 }] },
    customer: 'Ada',
    big: { blob: 'x'.repeat(100_000) },
  };

  it.each([
    ['order total > 100', true],
    ['sum(order.items.price)', 12],
    ['is defined(customer) and not(is defined(missing))', true],
    ['get or else(missing, "fallback")', 'fallback'],
    ['string length(big.blob)', 100_000],
    ['upper case(customer)', 'ADA'],
    // Found in a real model (zeebe-chaos): a path under a missing variable is not defined.
    ['is defined(action.provider.timeout)', false],
    ['get or else(value: missing, default: "named")', 'named'],
    ['to json({a: 1})', '{"a":1}'],
    ['partition([1, 2, 3], 2)', [[1, 2], [3]]],
  ])('%s', (source, expected) => {
    expect(evaluateFeel(source, variables)).toEqual({ ok: true, value: expected });
  });

  it('reports a missing function as an error, not a value', () => {
    const r = evaluateFeel('no such function(customer)', variables);
    expect(r.ok).toBe(false);
  });
});
