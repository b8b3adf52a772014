import { describe, expect, it } from 'vitest';
import { combine, outcomeText, summarize, summaryLine, type ModelResult, type Outcome } from './outcome.js';

const incident: Outcome = {
  kind: 'incident',
  incident: { bpmnProcessId: 'p', elementId: 'Gateway_1', errorType: 'CONDITION_ERROR', errorMessage: 'no flow' },
  others: 0,
};

function result(model: string, outcome: Outcome): ModelResult {
  return { model, deployed: outcome.kind !== 'refused', processIds: [], outcome };
}

describe('outcomes of a run', () => {
  it('counts each category once per model in the summary line runs are compared by', () => {
    const results = [
      result('a', { kind: 'completed', detail: '' }),
      result('b', { kind: 'waits', on: ['timer'] }),
      result('c', incident),
      result('d', { kind: 'refused', reason: 'x' }),
      result('e', { kind: 'not-started', reason: 'no none start event (message start)' }),
      result('f', { kind: 'completed', detail: '' }),
    ];
    expect(summaryLine(summarize(results))).toBe(
      'deploy 5/6, run to end 2/6, waits 1, incidents 1, refused 1, not started 1, terminated 0, busy 0',
    );
  });

  it('lists a model with several started processes under its worst outcome, naming the others', () => {
    const done: Outcome = { kind: 'completed', detail: '2 job(s) completed' };
    expect(combine([{ processId: 'only', outcome: done }])).toBe(done);
    expect(
      combine([
        { processId: 'a', outcome: done },
        { processId: 'b', outcome: { kind: 'waits', on: ["timer duration PT1H at 'T'"] } },
      ]),
    ).toEqual({ kind: 'waits', on: ["timer duration PT1H at 'T'", '(b; others: a: 2 job(s) completed)'] });
    expect(
      combine([
        { processId: 'a', outcome: done },
        { processId: 'b', outcome: incident },
      ]),
    ).toBe(incident);
  });

  it('reads an incident as its type, message and where it is', () => {
    expect(outcomeText({ ...incident, others: 2 })).toBe('CONDITION_ERROR: no flow @p/Gateway_1 (+2 more)');
  });
});
