// Malformed BPMN is refused at deploy time with INVALID_ARGUMENT, one problem per line, each
// naming its element and line (or, for XML that does not parse, the line) and its rule (C8).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejectionOf, startHarness, type Harness } from './testing/engine-harness.js';
import { base, malformedCases, type MalformedCase } from './testdata/malformed-cases.js';

const cases = malformedCases();

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The problem line a case expects, as the engine formats it: "- line N, element 'x': … [rule]". */
function expectedProblem(c: MalformedCase): RegExp {
  const where = c.element
    ? `line \\d+, element '${escape(c.element)}': `
    : c.line !== undefined
      ? `line ${c.line}: `
      : '';
  return new RegExp(`^- ${where}.*${escape(c.says)}.* \\[${escape(c.rule)}\\]$`);
}

describe('malformed BPMN is rejected with INVALID_ARGUMENT naming the problem (C8)', () => {
  let h: Harness;
  beforeAll(async () => {
    // Messages up to 8 MiB reach the engine, so its own 4 MiB limit per resource is what refuses.
    h = await startHarness({ maxMessageBytes: 8 * 1024 * 1024 });
  });
  afterAll(async () => h.stop());

  const deploy = (xml: string) => h.client().deployResource({ name: 'broken.bpmn', process: Buffer.from(xml) });

  it('deploys the base document every case breaks (so each fails for what it breaks)', async () => {
    const d = await deploy(base);
    expect(d.deployments[0]?.process.bpmnProcessId).toBe('order');
  });

  it('has no two cases with the same document', () => {
    expect(new Set(cases.map((c) => c.xml)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const error = await rejectionOf(deploy(c.xml));
    expect(error.message).toMatch(
      /^3 INVALID_ARGUMENT: Command 'CREATE' rejected with code 'INVALID_ARGUMENT': Expected to deploy new resources, but encountered the following errors:\n'broken.bpmn':\n/,
    );
    const problems = error.message.split('\n').filter((line) => line.startsWith('- '));
    expect(problems).toContainEqual(expect.stringMatching(expectedProblem(c)));
  });

  it('refuses a resource over the 4 MiB limit of one resource, before parsing it', async () => {
    const huge = base.replace('<bpmn:process', `<!-- ${'x'.repeat(4 * 1024 * 1024)} -->\n<bpmn:process`);
    const error = await rejectionOf(deploy(huge));
    expect(error.message).toMatch(
      new RegExp(
        `^3 INVALID_ARGUMENT: .*\\n'broken.bpmn': the resource is ${Buffer.byteLength(huge)} bytes and exceeds the 4 MiB limit`,
      ),
    );
  });

  it('keeps serving after all of them', async () => {
    expect((await h.client().topology()).brokers).toHaveLength(1);
    const d = await deploy(base.replace('id="order"', 'id="order-after"'));
    expect(d.deployments[0]?.process.bpmnProcessId).toBe('order-after');
  });
});
