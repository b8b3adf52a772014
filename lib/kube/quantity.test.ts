import { describe, expect, it } from 'vitest';
import { quantityValue } from './quantity.js';

describe('quantityValue', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    [3, 3],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['256Mi', 256 * 2 ** 20],
    ['1G', 1e9],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['.5', 0.5],
    ['+1k', 1000],
    ['100u', 1e-4],
  ])('%s → %d', (q, value) => {
    expect(quantityValue(q)).toBeCloseTo(value, 12);
  });

  it.each(['', '-1', '1Gb', 'abc', '1.2.3', 'Mi'])('refuses %j naming it', (q) => {
    expect(() => quantityValue(q)).toThrow(`'${q}' is not a Kubernetes quantity`);
  });
});
