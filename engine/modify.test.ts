// ModifyProcessInstance through the official SDK: activate and terminate instructions,
// missing flow scopes created, variables per scope, and Zeebe's rejections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFixture, nextJob, startHarness, type Harness } from './testing/engine-harness.js';

interface InstanceView {
  elements: { key: string; elementId: string; state: string; variables: Record<string, unknown> }[];
}

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  await deployFixture(harness.client(), 'modify.bpmn');
});
afterAll(() => harness.stop());

const elementKey = async (instance: string, elementId: string): Promise<string> => {
  const view = await harness.api<InstanceView>(`/v1/process-instances/${instance}`);
  const el = view.elements.find((e) => e.elementId === elementId);
  if (!el) throw new Error(`no ${elementId} in instance ${instance}`);
  return el.key;
};

describe('ModifyProcessInstance', () => {
  it('moves a token into a subprocess that has no instance yet: the scope is created, without its start event', async () => {
    const zbc = harness.client();
    const { processInstanceKey } = await zbc.createProcessInstance({ bpmnProcessId: 'modify', variables: {} });
    await nextJob(zbc, 'modify.a'); // the instance waits at a
    await zbc.modifyProcessInstance({
      processInstanceKey,
      activateInstructions: [
        {
          elementId: 'b',
          ancestorElementInstanceKey: '-1',
          variableInstructions: [
            { scopeId: '', variables: { global: 1 } },
            { scopeId: 's', variables: { inScope: 2 } },
          ],
        },
      ],
      terminateInstructions: [{ elementInstanceKey: await elementKey(processInstanceKey, 'a') }],
    });
    const view = await harness.api<InstanceView>(`/v1/process-instances/${processInstanceKey}`);
    expect(view.elements.map((e) => e.elementId).sort()).toEqual(['b', 's']);
    expect(view.elements.find((e) => e.elementId === 's')?.variables).toEqual({ inScope: 2 });
    const b = await nextJob(zbc, 'modify.b');
    expect(b.processInstanceKey).toBe(processInstanceKey);
    expect(b.variables).toEqual({ global: 1, inScope: 2 });
    await zbc.completeJob({ jobKey: b.key, variables: {} });
    // s ends with b and the instance completes; the start event of s never ran (no second b).
    expect(await harness.outcome(processInstanceKey)).toEqual({
      state: 'COMPLETED',
      endEvents: ['end'],
      variables: { global: 1 },
    });
    expect(harness.history.get(processInstanceKey)?.completed).toEqual(['start', 'b', 's-end', 's', 'end']);
    await expect(
      zbc.activateJobs({ type: 'modify.b', worker: 't', timeout: 1000, maxJobsToActivate: 5, requestTimeout: -1 }),
    ).resolves.toEqual([]);
  });

  it('terminating the last active element terminates its scopes and the process instance', async () => {
    const zbc = harness.client();
    const { processInstanceKey } = await zbc.createProcessInstance({ bpmnProcessId: 'modify', variables: {} });
    const a = await nextJob(zbc, 'modify.a');
    await zbc.modifyProcessInstance({
      processInstanceKey,
      activateInstructions: [],
      terminateInstructions: [{ elementInstanceKey: await elementKey(processInstanceKey, 'a') }],
    });
    expect(await harness.outcome(processInstanceKey)).toEqual({ state: 'TERMINATED', endEvents: [], variables: {} });
    await expect(zbc.completeJob({ jobKey: a.key, variables: {} })).rejects.toThrow(/5 NOT_FOUND/);
  });

  it('rejects what Zeebe rejects, naming the element, and changes nothing', async () => {
    const zbc = harness.client();
    const { processInstanceKey } = await zbc.createProcessInstance({ bpmnProcessId: 'modify', variables: {} });
    await nextJob(zbc, 'modify.a');
    const modify = (activateInstructions: object[], terminateInstructions: object[] = []) =>
      zbc.modifyProcessInstance({ processInstanceKey, activateInstructions, terminateInstructions } as never);
    const activate = (elementId: string) => ({ elementId, ancestorElementInstanceKey: '-1', variableInstructions: [] });
    await expect(modify([activate('nope')])).rejects.toThrow(
      /3 INVALID_ARGUMENT.*activate instructions with an element that could not be found: 'nope'/,
    );
    await expect(modify([activate('s-start')])).rejects.toThrow(/INVALID_ARGUMENT.*unsupported: 's-start'/);
    await expect(modify([activate('b')], [{ elementInstanceKey: '123' }])).rejects.toThrow(
      /INVALID_ARGUMENT.*terminate instructions with an element instance that could not be found: '123'/,
    );
    await expect(
      zbc.modifyProcessInstance({
        processInstanceKey: '2251799813999999',
        activateInstructions: [],
        terminateInstructions: [],
      }),
    ).rejects.toThrow(/5 NOT_FOUND.*no process instance found with key '2251799813999999'/);
    // Nothing changed: still exactly a at work, no b.
    const view = await harness.api<InstanceView>(`/v1/process-instances/${processInstanceKey}`);
    expect(view.elements.map((e) => e.elementId)).toEqual(['a']);
    await zbc.cancelProcessInstance(processInstanceKey);
  });
});
