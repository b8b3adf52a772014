import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileBpmn, type ProcessModel } from '../../lib/bpmn/index.js';
import { targetText, waitTargets } from './wait-targets.js';

async function realModel(file: string): Promise<ProcessModel> {
  const xml = readFileSync(new URL(`../../engine/testdata/real-models/${file}`, import.meta.url), 'utf8');
  const { processes, problems } = await compileBpmn(xml);
  expect(problems).toEqual([]);
  const [model] = processes;
  if (!model) throw new Error(`${file} has no executable process`);
  return model;
}

describe('what a waiting element needs from the driver', () => {
  it('a token on an event-based gateway waits on each event after it: the message with its key, the timer with its due time', async () => {
    const model = await realModel('bpmn-driven-testing/simpleEventBasedGateway.bpmn');
    const startedAt = Date.parse('2026-11-27T10:00:00Z');
    const targets = waitTargets({ elementId: 'eventBasedGateway', kind: 'eventBasedGateway', startedAt }, model, {});
    expect(targets).toEqual([
      { kind: 'message', name: 'simpleMessage', correlationKey: 'simple', elementId: 'messageCatchEvent' },
      {
        kind: 'timer',
        description: "timer duration PT1H at 'timerCatchEvent'",
        dueAt: startedAt + 3_600_000,
      },
    ]);
  });

  it('derives a correlation key from the instance variables, and says so when it cannot', async () => {
    const model = await realModel('camunda-8-js-sdk/message-correlation-test.bpmn');
    const leaf = { elementId: 'Event_11031ys', kind: 'intermediateCatchEvent', startedAt: 0 };
    expect(waitTargets(leaf, model, { orderId: 42 })).toEqual([
      { kind: 'message', name: 'MESSAGE_CORRELATION_TEST_CATCH', correlationKey: '42', elementId: 'Event_11031ys' },
    ]);
    const [blocked] = waitTargets(leaf, model, {});
    expect(blocked && targetText(blocked)).toBe(
      "message 'MESSAGE_CORRELATION_TEST_CATCH' at 'Event_11031ys' (correlation key not derivable)",
    );
  });

  it('an element with a job waits on that job, whatever the model says', async () => {
    const model = await realModel('camunda-8-js-sdk/message-correlation-test.bpmn');
    expect(
      waitTargets(
        { elementId: 'anything', kind: 'serviceTask', startedAt: 0, jobType: 'io.camunda:http-json:1' },
        model,
        {},
      ),
    ).toEqual([{ kind: 'job', type: 'io.camunda:http-json:1' }]);
  });

  it('a Camunda user task (zeebe:userTask) has no job: it waits to be completed through the user-task API', async () => {
    const model = await realModel('camunda-8-js-sdk/zeebe-user-task.bpmn');
    const [target] = waitTargets({ elementId: 'Activity_1d6heog', kind: 'userTask', startedAt: 0 }, model, {});
    expect(target).toEqual({ kind: 'user-task', elementId: 'Activity_1d6heog' });
    expect(target && targetText(target)).toBe("Camunda user task 'Activity_1d6heog'");
  });
});
