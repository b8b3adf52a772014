// Compensation through the SDK, to the end states the Camunda docs describe: a throw event runs
// the handlers of the completed activities of its scope (inside completed subprocesses too) and
// waits for them; activityRef compensates one activity; what was compensated is not again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFixture, jobOf, startHarness, waitUntil, type Harness } from './testing/engine-harness.js';

describe('compensation', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await deployFixture(h.client(), 'compensation.bpmn');
  });
  afterAll(async () => h.stop());

  async function bookTrip(ok: boolean): Promise<string> {
    const zbc = h.client();
    const { processInstanceKey: key } = await zbc.createProcessInstance({
      bpmnProcessId: 'trip-booking',
      variables: { ok, price: 120 },
    });
    await zbc.completeJob({ jobKey: (await jobOf(zbc, 'trip.book-hotel', key)).key, variables: { hotel: 'H-1' } });
    await zbc.completeJob({ jobKey: (await jobOf(zbc, 'trip.charge', key)).key, variables: {} });
    return key;
  }

  it('a compensation end event runs every handler of what completed, and waits for them', async () => {
    const zbc = h.client();
    const key = await bookTrip(false);
    const cancel = await jobOf(zbc, 'trip.cancel-hotel', key);
    expect(cancel.variables).toMatchObject({ hotel: 'H-1' });
    const waiting = await waitUntil(
      'the refund to run while the hotel cancellation is open',
      () => Promise.resolve(h.history.get(key)),
      (r) => r?.completed.includes('refund') === true,
    );
    expect(waiting?.state).toBe('ACTIVE');
    expect(waiting?.active).toEqual(expect.arrayContaining(['undo-all', 'cancel-hotel']));
    await zbc.completeJob({ jobKey: cancel.key, variables: { hotelCancelled: true } });
    const ended = await h.ended(key);
    expect(ended).toMatchObject({ state: 'COMPLETED', endEvents: ['undo-all'], openIncidents: [] });
    expect(ended.completed).toEqual(expect.arrayContaining(['hotel-undo', 'charge-undo']));
    expect(ended.variables).toEqual({
      ok: false,
      price: 120,
      hotel: 'H-1',
      refund: 'refunded 120',
      hotelCancelled: true,
    });
  });

  it('runs no handler when nothing needs undoing', async () => {
    const key = await bookTrip(true);
    const ended = await h.ended(key);
    expect(ended).toMatchObject({ state: 'COMPLETED', endEvents: ['booked'] });
    expect(ended.completed).not.toContain('cancel-hotel');
  });

  it('activityRef compensates one activity at a time, in the order of the throw events; nothing twice', async () => {
    const r = await h
      .client()
      .createProcessInstanceWithResult({ bpmnProcessId: 'ordered-undo', variables: { log: [] } });
    expect(r.variables).toEqual({ log: ['undo-b', 'undo-a'] });
    const ended = await h.ended(r.processInstanceKey);
    expect(ended.completed.filter((id) => id.startsWith('undo-') && id !== 'undo-b-first')).toEqual([
      'undo-b',
      'undo-a',
    ]);
  });
});
