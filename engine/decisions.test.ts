// DMN and forms: deployment metadata in Zeebe's order (C10), EvaluateDecision, business rule tasks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, incidentOf, rejectionOf, startHarness, type Harness } from './testing/engine-harness.js';

describe('decisions and forms', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.stop());

  it('deploys BPMN, DMN and a form together, listed as processes, decisions, requirements, forms (C10)', async () => {
    const zbc = h.client();
    const d = await zbc.deployResources([
      { name: 'approval.form', form: fixture('approval.form') },
      { name: 'discount.dmn', decision: fixture('discount.dmn') },
      { name: 'decide.bpmn', process: fixture('decide.bpmn') },
    ]);
    const kinds = d.deployments.map((x) =>
      Object.keys(x as object).find((k) => ['process', 'decision', 'decisionRequirements', 'form'].includes(k)),
    );
    expect(kinds).toEqual(['process', 'decision', 'decision', 'decision', 'decisionRequirements', 'form']);
    expect(d.deployments[4]).toMatchObject({
      decisionRequirements: {
        dmnDecisionRequirementsId: 'discount-drg',
        version: 1,
        resourceName: 'discount.dmn',
        tenantId: '<default>',
      },
    });
    expect(d.deployments[5]).toMatchObject({
      form: { formId: 'approval-form', version: 1, resourceName: 'approval.form' },
    });
    const again = await zbc.deployResource({ name: 'discount.dmn', decision: fixture('discount.dmn') });
    expect(again.deployments[0]).toMatchObject({ decision: { version: 1 } });
  });

  it('evaluates a decision with its required decisions (EvaluateDecision)', async () => {
    const r = await h
      .client()
      .evaluateDecision({ decisionId: 'discount', variables: { yearlySpend: 20000, items: 1 } });
    expect(JSON.parse(r.decisionOutput)).toEqual({ percent: 15, reason: 'gold customer' });
    expect(r.evaluatedDecisions.map((e) => e.decisionId)).toEqual(['tier', 'discount']);
    expect(r.evaluatedDecisions[0]?.matchedRules.map((m) => m.ruleId)).toEqual(['gold']);
    expect(r.failureMessage).toBe('');
  });

  it('reports a UNIQUE table with two matching rules as a failed evaluation, and evaluates literal expressions', async () => {
    const r = await h
      .client()
      .evaluateDecision({ decisionId: 'discount', variables: { yearlySpend: 20000, items: 200 } });
    expect(r.failedDecisionId).toBe('discount');
    expect(r.failureMessage).toMatch(/UNIQUE .* matched 2 rules/);
    const literal = await h.client().evaluateDecision({ decisionId: 'greeting-text', variables: { name: 'Ada' } });
    expect(JSON.parse(literal.decisionOutput)).toBe('Dear Ada');
  });

  it('a business rule task stores the decision result in its result variable', async () => {
    const r = await h
      .client()
      .createProcessInstanceWithResult({ bpmnProcessId: 'decide', variables: { yearlySpend: 1500, items: 3 } });
    expect(r.variables).toEqual({ yearlySpend: 1500, items: 3, discount: { percent: 0, reason: 'none' } });
  });

  it('a failing decision is a DECISION_EVALUATION_ERROR incident', async () => {
    const i = await h
      .client()
      .createProcessInstance({ bpmnProcessId: 'decide', variables: { yearlySpend: 20000, items: 200 } });
    const incident = await incidentOf(h, i.processInstanceKey);
    expect(incident).toMatchObject({ elementId: 'rate', errorType: 'DECISION_EVALUATION_ERROR' });
    expect(incident.errorMessage).toMatch(/matched 2 rules/);
  });

  it('rejects an unknown decision and a broken DMN', async () => {
    const zbc = h.client();
    expect((await rejectionOf(zbc.evaluateDecision({ decisionId: 'nope', variables: {} }))).message).toMatch(
      /^5 NOT_FOUND/,
    );
    const broken = Buffer.from(fixture('discount.dmn').toString().replace('&gt;= 10000', '&gt;= ('));
    const e = await rejectionOf(zbc.deployResource({ name: 'broken.dmn', decision: broken }));
    expect(e.message).toMatch(/^3 INVALID_ARGUMENT: [\s\S]*'broken.dmn':[\s\S]*element 'tier'[\s\S]*FEEL syntax error/);
  });
});
