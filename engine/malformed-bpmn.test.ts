import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, fixture, type Harness } from './testing/engine-harness.js';
import { malformedCases } from './testdata/malformed-cases.js';

const cases = malformedCases();

describe('malformed BPMN is rejected with INVALID_ARGUMENT naming the problem (C8)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.stop());

  it('has at least 100 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const zbc = h.client();
    const error = await zbc.deployResource({ name: 'broken.bpmn', process: Buffer.from(c.xml) }).then(
      () => new Error('deployed'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(/^3 INVALID_ARGUMENT: Command 'CREATE' rejected with code 'INVALID_ARGUMENT'/);
    for (const fragment of c.expect) expect(error.message).toContain(fragment);
  });

  it('keeps serving after all of them', async () => {
    const zbc = h.client();
    expect((await zbc.topology()).brokers).toHaveLength(1);
    const d = await zbc.deployResource({ name: 'two-steps.bpmn', process: fixture('two-steps.bpmn') });
    expect(d.deployments[0]?.process.bpmnProcessId).toBe('two-steps');
  });
});
