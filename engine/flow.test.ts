// Errors, variables, FEEL and gateways (docs/zeebe-compatibility.md C19, C23–C27), and embedded subprocesses.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SUBPROCESS_DEPTH } from '../lib/bpmn/index.js';
import { nestedSubprocesses } from '../lib/bpmn/testdata/nested-subprocesses.js';
import {
  deployFixture,
  incidentOf,
  jobOf,
  nextJob,
  rejectionOf,
  startHarness,
  type Harness,
} from './testing/engine-harness.js';

describe('process flow', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    const zbc = h.client();
    for (const f of [
      'io-mapping.bpmn',
      'error-boundary.bpmn',
      'uncaught-error.bpmn',
      'parallel.bpmn',
      'gateway.bpmn',
      'subprocess.bpmn',
      'two-steps.bpmn',
      'regex-gateway.bpmn',
      'non-executable.bpmn',
      'script-task.bpmn',
    ]) {
      await deployFixture(zbc, f);
    }
  });
  afterAll(async () => h.stop());

  /** How a finished instance ended, from the event stream (the result alone cannot tell). */
  const endOf = (r: { processInstanceKey: string }) => h.history.get(r.processInstanceKey);

  it('applies output mappings: job variables stay task-local, mapped results propagate (C19, C25)', async () => {
    const zbc = h.client();
    const run = zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'io-mapping',
      variables: { region: 'apac', customer: { id: 3 } },
    });
    const job = await nextJob(zbc, 'lookup.apac');
    await zbc.completeJob({ jobKey: job.key, variables: { response: { name: 'Lin', score: 21 } } });
    const result = await run;
    expect(result.variables).toEqual({
      region: 'apac',
      customer: { id: 3 },
      customerName: 'Lin',
      report: { doubledScore: 42 },
    });
    // The job's own variables (response) and the input mappings (request, absent) stayed local.
    expect(endOf(result)).toMatchObject({ state: 'COMPLETED', endEvents: ['end'] });
  });

  it('propagates completed job variables to the nearest scope that has them, else the root (C19)', async () => {
    const zbc = h.client();
    const run = zbc.createProcessInstanceWithResult({ bpmnProcessId: 'two-steps', variables: { count: 1 } });
    const work = await nextJob(zbc, 'durable.work');
    await zbc.completeJob({ jobKey: work.key, variables: { count: 2, added: true } });
    const audit = await nextJob(zbc, 'durable.audit');
    await zbc.completeJob({ jobKey: audit.key, variables: {} });
    const result = await run;
    expect(result.variables).toEqual({ count: 2, added: true });
    expect(endOf(result)).toMatchObject({ state: 'COMPLETED', completed: ['start', 'work', 'audit', 'end'] });
  });

  it('throwError: a specific error code is caught by its boundary, error variables only through its output mapping (C23)', async () => {
    const zbc = h.client();
    const run = zbc.createProcessInstanceWithResult({ bpmnProcessId: 'error-boundary', variables: {} });
    const j = await nextJob(zbc, 'errors.fetch');
    await zbc.throwError({
      jobKey: j.key,
      errorCode: 'NOT_FOUND',
      errorMessage: 'no such customer',
      variables: { reason: 'unknown id' },
    });
    const result = await run;
    expect(result.variables).toEqual({ notFoundReason: 'unknown id' });
    expect(endOf(result)).toMatchObject({ state: 'COMPLETED', endEvents: ['handled-not-found'] });
  });

  it('throwError: another code goes to the catch-all boundary; the job is gone (C18, C23)', async () => {
    const zbc = h.client();
    const run = zbc.createProcessInstanceWithResult({ bpmnProcessId: 'error-boundary', variables: {} });
    const j = await nextJob(zbc, 'errors.fetch');
    await zbc.throwError({
      jobKey: j.key,
      errorCode: 'TIMEOUT',
      errorMessage: 'slow backend',
      variables: { detail: 'x' },
    });
    const result = await run;
    expect(result.variables).toEqual({ detail: 'x' });
    expect(endOf(result)).toMatchObject({ state: 'COMPLETED', endEvents: ['handled-other'] });
    expect((await rejectionOf(zbc.completeJob({ jobKey: j.key, variables: {} }))).message).toMatch(/^5 NOT_FOUND/);
  });

  it('an uncaught error is an UNHANDLED_ERROR_EVENT incident (C23)', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'uncaught-error', variables: {} });
    const j = await jobOf(h.client(), 'errors.risky', i.processInstanceKey);
    await zbc.throwError({ jobKey: j.key, errorCode: 'BOOM', errorMessage: 'exploded' });
    const incident = await incidentOf(h, i.processInstanceKey);
    expect(incident).toMatchObject({ errorType: 'UNHANDLED_ERROR_EVENT', elementId: 'risky' });
    expect(incident.errorMessage).toContain("'BOOM'");
    expect((await rejectionOf(zbc.completeJob({ jobKey: j.key, variables: {} }))).message).toMatch(
      /^9 FAILED_PRECONDITION: .*'ERROR_THROWN'/,
    );
  });

  it('an error end event in a subprocess is caught by the boundary on the subprocess', async () => {
    const zbc = h.client();
    const run = zbc.createProcessInstanceWithResult({ bpmnProcessId: 'subprocess', variables: {} });
    const j = await nextJob(zbc, 'sub.check');
    await zbc.completeJob({ jobKey: j.key, variables: { valid: false } });
    const result = await run;
    expect(result.variables).toEqual({ valid: false, outcome: 'rejected' });
    expect(endOf(result)).toMatchObject({ state: 'COMPLETED', endEvents: ['rejected-end'] });
    expect(endOf(result)?.completed).not.toContain('sub'); // interrupted by the boundary, not completed
  });

  it('a subprocess completes when its last token ends', async () => {
    const zbc = h.client();
    const run = zbc.createProcessInstanceWithResult({ bpmnProcessId: 'subprocess', variables: {} });
    const j = await nextJob(zbc, 'sub.check');
    await zbc.completeJob({ jobKey: j.key, variables: { valid: true } });
    const result = await run;
    expect(result.variables).toEqual({ valid: true });
    expect(endOf(result)).toMatchObject({
      state: 'COMPLETED',
      completed: ['start', 'sub-start', 'check', 'is-valid', 'sub-end', 'sub', 'accepted'],
      endEvents: ['accepted'],
    });
  });

  it('SetVariables: local=false propagates, local=true stays in the scope; bad input is rejected (C24)', async () => {
    const zbc = h.client();
    const i = await zbc.createProcessInstance({
      bpmnProcessId: 'io-mapping',
      variables: { region: 'latam', customer: { id: 9 } },
    });
    const j = await jobOf(h.client(), 'lookup.latam', i.processInstanceKey);
    await zbc.setVariables({
      elementInstanceKey: j.elementInstanceKey,
      variables: { request: 'replaced', fresh: 1 },
      local: false,
    });
    await zbc.setVariables({ elementInstanceKey: j.elementInstanceKey, variables: { onlyHere: true }, local: true });
    const view = await h.api<{
      variables: Record<string, unknown>;
      elements: { elementId: string; variables: Record<string, unknown> }[];
    }>(`/v1/process-instances/${i.processInstanceKey}`);
    expect(view.variables).toMatchObject({ fresh: 1 });
    expect(view.variables).not.toHaveProperty('onlyHere');
    expect(view.elements.find((e) => e.elementId === 'lookup')?.variables).toMatchObject({
      request: 'replaced',
      onlyHere: true,
    });
    expect(
      (await rejectionOf(zbc.setVariables({ elementInstanceKey: '2251799813699996', variables: {}, local: true })))
        .message,
    ).toMatch(/^5 NOT_FOUND/);
  });

  it('exclusive gateway: first true condition wins; no match and no default is an incident, resolvable after fixing variables (C27, C21)', async () => {
    const zbc = h.client();
    const big = await zbc.createProcessInstanceWithResult({ bpmnProcessId: 'gateway', variables: { amount: 500 } });
    expect(big.variables).toEqual({ amount: 500 });
    expect(endOf(big)).toMatchObject({ state: 'COMPLETED', endEvents: ['big'] });
    // Without `amount` both conditions are null (neither true): no flow to take.
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'gateway', variables: {} });
    const incident = await incidentOf(h, i.processInstanceKey);
    expect(incident).toMatchObject({ errorType: 'CONDITION_ERROR', elementId: 'route' });
    await zbc.setVariables({ elementInstanceKey: i.processInstanceKey, variables: { amount: 5 }, local: false });
    await zbc.resolveIncident({ incidentKey: incident.key });
    expect(await h.outcome(i.processInstanceKey)).toEqual({
      state: 'COMPLETED',
      endEvents: ['small'],
      variables: { amount: 5 },
    });
    expect(h.history.get(i.processInstanceKey)?.openIncidents).toEqual([]);
  });

  it('FEEL regexes read as FEEL-Scala reads them (Java syntax): an escaped ":" routes and replaces, it is not null', async () => {
    const zbc = h.client();
    const order = await zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'regex-gateway',
      variables: { code: 'ORD:42' },
    });
    expect(endOf(order)).toMatchObject({ state: 'COMPLETED', endEvents: ['order'] });
    expect(order.variables).toEqual({ code: 'ORD:42', label: 'order 42' });
    const other = await zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'regex-gateway',
      variables: { code: 'X:1' },
    });
    expect(endOf(other)).toMatchObject({ state: 'COMPLETED', endEvents: ['other'] });
  });

  it('data objects and stores, annotations, associations and groups deploy and are ignored, as in Zeebe', async () => {
    const zbc = h.client();
    const run = zbc.createProcessInstanceWithResult({ bpmnProcessId: 'documented', variables: {} });
    const job = await nextJob(zbc, 'documented.work');
    await zbc.completeJob({ jobKey: job.key, variables: { done: true } });
    const result = await run;
    expect(endOf(result)).toMatchObject({ state: 'COMPLETED', endEvents: ['end'] });
  });

  it('a script task with zeebe:script is evaluated by the engine (no job); a failing expression is an incident, resolvable', async () => {
    const zbc = h.client();
    const items = [
      { price: 2.5, quantity: 4 },
      { price: 1, quantity: 3 },
    ];
    const run = zbc.createProcessInstanceWithResult({ bpmnProcessId: 'script-task', variables: { items } });
    // The FEEL script needed no worker; the next task (a job-based script task) does.
    const job = await nextJob(zbc, 'script.legacy');
    expect(job.variables).toMatchObject({ total: 13 });
    await zbc.completeJob({ jobKey: job.key, variables: {} });
    expect((await run).variables).toEqual({ items, total: 13 });

    // A price that is not a number: the expression fails, an incident on the script task.
    const i = await zbc.createProcessInstance({
      bpmnProcessId: 'script-task',
      variables: { items: [{ price: 'free', quantity: 1 }] },
    });
    const incident = await incidentOf(h, i.processInstanceKey);
    expect(incident).toMatchObject({ errorType: 'EXTRACT_VALUE_ERROR', elementId: 'total' });
    await zbc.setVariables({ elementInstanceKey: i.processInstanceKey, variables: { items }, local: false });
    await zbc.resolveIncident({ incidentKey: incident.key });
    const next = await nextJob(zbc, 'script.legacy');
    expect(next.variables).toMatchObject({ total: 13 });
    await zbc.completeJob({ jobKey: next.key, variables: {} });
    expect(await h.outcome(i.processInstanceKey)).toMatchObject({ state: 'COMPLETED', endEvents: ['end'] });
  });

  it('a FEEL failure in a mapping is an incident, not a gRPC error (C26)', async () => {
    const zbc = h.client();
    // customer is a string, so customer.id is null and the job type expression "lookup." + region fails on a null region
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'io-mapping', variables: { customer: { id: 1 } } });
    const incident = await incidentOf(h, i.processInstanceKey);
    expect(incident).toMatchObject({ errorType: 'EXTRACT_VALUE_ERROR', elementId: 'lookup' });
  });

  it('parallel gateway: forks all flows and joins one token per incoming flow (C27)', async () => {
    const zbc = h.client();
    const run = zbc.createProcessInstanceWithResult({ bpmnProcessId: 'parallel', variables: {} });
    const left = await nextJob(zbc, 'parallel.left');
    const right = await nextJob(zbc, 'parallel.right');
    expect(right.processInstanceKey).toBe(left.processInstanceKey);
    await zbc.completeJob({ jobKey: left.key, variables: { left: true } });
    const afterOne = await zbc.activateJobs({
      type: 'parallel.after',
      worker: 't',
      timeout: 30_000,
      maxJobsToActivate: 50,
      requestTimeout: -1,
    });
    expect(afterOne).toEqual([]); // the join waits for the right branch
    await zbc.completeJob({ jobKey: right.key, variables: { right: true } });
    const after = await nextJob(zbc, 'parallel.after');
    expect(after.processInstanceKey).toBe(left.processInstanceKey);
    await zbc.completeJob({ jobKey: after.key, variables: {} });
    const result = await run;
    expect(result.variables).toEqual({ left: true, right: true });
    expect(endOf(result)?.completed.filter((id) => id === 'join')).toEqual(['join']); // joined once
  });

  it('runs a process whose ids use letters of any script (XML names, as in Zeebe)', async () => {
    const zbc = h.client();
    const xml = readFileSync(new URL('../lib/bpmn/testdata/unicode-ids.bpmn', import.meta.url));
    const d = await zbc.deployResource({ name: 'unicode-ids.bpmn', process: xml });
    expect(d.deployments[0]?.process.bpmnProcessId).toBe('Größe-prüfen');
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'Größe-prüfen', variables: {} });
    const job = await jobOf(zbc, 'unicode.work', i.processInstanceKey);
    expect(job).toMatchObject({ elementId: '処理', bpmnProcessId: 'Größe-prüfen' });
    await zbc.completeJob({ jobKey: job.key, variables: { ok: true } });
    expect(await h.outcome(i.processInstanceKey)).toEqual({
      state: 'COMPLETED',
      endEvents: ['Ende_ñ'],
      variables: { ok: true },
    });
  });

  it(`runs, and cancels, subprocesses nested ${MAX_SUBPROCESS_DEPTH} levels deep`, async () => {
    const zbc = h.client();
    await zbc.deployResource({ name: 'nested.bpmn', process: Buffer.from(nestedSubprocesses(MAX_SUBPROCESS_DEPTH)) });
    const done = await zbc.createProcessInstance({ bpmnProcessId: 'nested', variables: { n: 1 } });
    const job = await jobOf(zbc, 'nested.work', done.processInstanceKey);
    await zbc.completeJob({ jobKey: job.key, variables: { m: 2 } });
    expect(await h.outcome(done.processInstanceKey)).toEqual({
      state: 'COMPLETED',
      endEvents: ['end'],
      variables: { n: 1, m: 2 },
    });
    const cancelled = await zbc.createProcessInstance({ bpmnProcessId: 'nested', variables: {} });
    expect(h.history.get(cancelled.processInstanceKey)?.active).toHaveLength(MAX_SUBPROCESS_DEPTH + 1);
    await zbc.cancelProcessInstance(cancelled.processInstanceKey);
    expect(await h.ended(cancelled.processInstanceKey)).toMatchObject({ state: 'TERMINATED', active: [] });
  });
});
