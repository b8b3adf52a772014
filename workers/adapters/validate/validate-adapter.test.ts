import { describe, expect, it } from 'vitest';
import { testJobContext } from '../../testing/job-context.js';
import { BpmnError } from '../service-adapter.js';
import { validateAdapter, validateConfig } from './validate-adapter.js';

const context = testJobContext();
const order = {
  type: 'object',
  required: ['amount', 'email'],
  properties: { amount: { type: 'number', minimum: 0 }, email: { type: 'string', format: 'email' } },
};

describe('validate adapter', () => {
  it('completes with no new variables when the variables match', async () => {
    const config = validateConfig.parse({ schema: order });
    expect(await validateAdapter.execute({ amount: 3, email: 'a@b.io', other: 1 }, config, context)).toEqual({});
  });

  it('throws VALIDATION_FAILED listing every violation with its path', async () => {
    const config = validateConfig.parse({ schema: order });
    const err = await validateAdapter.execute({ amount: -1, email: 'nope' }, config, context).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BpmnError);
    expect(err).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'the variables do not match the schema: /amount: must be >= 0; /email: must match format "email"',
    });
  });

  it('validates one variable when asked, with a custom error code', async () => {
    const config = validateConfig.parse({ schema: order, variable: 'order', errorCode: 'BAD_ORDER' });
    await expect(validateAdapter.execute({ order: { amount: 1 } }, config, context)).rejects.toMatchObject({
      code: 'BAD_ORDER',
      message: "variable 'order' do not match the schema: (root): must have required property 'email'",
    });
  });

  it('refuses, at start, a schema that does not compile', () => {
    const r = validateConfig.safeParse({ schema: { type: 'no-such-type' } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/^the JSON Schema does not compile: /);
    expect(r.error?.issues[0]?.path).toEqual(['schema']);
  });

  it('fetches just the one variable it checks, or all of them', () => {
    expect(validateAdapter.fetchVariables?.(validateConfig.parse({ schema: order, variable: 'order' }))).toEqual([
      'order',
    ]);
    expect(validateAdapter.fetchVariables?.(validateConfig.parse({ schema: order }))).toBeUndefined();
  });
});
