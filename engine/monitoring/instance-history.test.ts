// The recent-history projection keeps the last N instances: the oldest finished one goes first,
// running ones only when nothing finished is left (pure logic: fed committed events directly).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../processor/engine.js';
import type { EngineEvent } from '../state/events.js';
import { InstanceHistory } from './instance-history.js';

function fakeEngine(): Engine & EventEmitter {
  const e = new EventEmitter() as unknown as Engine & EventEmitter;
  Object.assign(e, { clock: () => 0, state: { processes: new Map() } });
  return e;
}

const started = (key: number): EngineEvent[] => [
  {
    type: 'ELEMENT_ACTIVATING',
    key,
    elementId: 'p',
    kind: 'process',
    flowScopeKey: -1,
    processInstanceKey: key,
    processDefinitionKey: 1,
  },
];
const withJob = (key: number): EngineEvent[] => [
  {
    type: 'ELEMENT_ACTIVATING',
    key: key + 1,
    elementId: 't',
    kind: 'serviceTask',
    flowScopeKey: key,
    processInstanceKey: key,
    processDefinitionKey: 1,
  },
  {
    type: 'JOB_CREATED',
    key: key + 2,
    jobType: 'x',
    retries: 3,
    customHeaders: {},
    elementInstanceKey: key + 1,
    elementId: 't',
    processInstanceKey: key,
    processDefinitionKey: 1,
    bpmnProcessId: 'p',
    version: 1,
    createdAt: 0,
  },
];
const completed = (key: number): EngineEvent[] => [{ type: 'ELEMENT_COMPLETED', key }];

describe('InstanceHistory', () => {
  it('evicts the oldest finished instance first, running ones only when nothing finished is left', () => {
    const engine = fakeEngine();
    const history = new InstanceHistory(engine, 2);
    const commit = (events: EngineEvent[]) => engine.emit('committed', events);
    commit([...started(100), ...withJob(100)]); // stays running
    commit([...started(200), ...completed(200)]);
    commit(started(300)); // over capacity: 200 (finished) goes, 100 (running) stays
    expect(history.list().map((i) => i.processInstanceKey)).toEqual(['300', '100']);
    commit(started(400)); // nothing finished: the oldest running one goes
    expect(history.list().map((i) => i.processInstanceKey)).toEqual(['400', '300']);
    // 100's job is forgotten with it: a late event about it changes nothing and throws nothing.
    commit([{ type: 'JOB_COMPLETED', key: 102 }]);
    expect(history.tree('100')).toBeUndefined();
  });
});
