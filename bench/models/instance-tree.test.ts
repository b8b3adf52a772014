import { describe, expect, it } from 'vitest';
import {
  activeLeaves,
  flatten,
  openIncidents,
  pendingJobTypes,
  signature,
  type TreeInstance,
} from './instance-tree.js';

const at = '2026-11-27T10:00:00.000Z';

// A parent waiting in a call activity on a child with a job and a resolved incident, as the history API shows them.
const tree: TreeInstance = {
  processInstanceKey: '1',
  bpmnProcessId: 'parent',
  state: 'active',
  elements: [
    { key: '2', elementId: 'Start', kind: 'startEvent', state: 'completed', startedAt: at },
    { key: '3', elementId: 'Call', kind: 'callActivity', state: 'active', startedAt: at },
  ],
  children: [
    {
      processInstanceKey: '4',
      bpmnProcessId: 'child',
      state: 'active',
      elements: [
        {
          key: '5',
          elementId: 'Work',
          kind: 'serviceTask',
          state: 'active',
          startedAt: at,
          job: { key: '6', type: 'work', state: 'failed', retries: 2 },
          incident: { errorType: 'JOB_NO_RETRIES', errorMessage: 'boom', resolved: true },
        },
        {
          key: '7',
          elementId: 'Done',
          kind: 'serviceTask',
          state: 'completed',
          startedAt: at,
          job: { key: '8', type: 'done', state: 'created', retries: 3 },
        },
      ],
    },
  ],
};

describe('reading an instance tree', () => {
  it('walks the call-activity children and finds where the tokens stand (containers excluded)', () => {
    const all = flatten(tree);
    expect(all.map((i) => i.bpmnProcessId)).toEqual(['parent', 'child']);
    expect(activeLeaves(all).map((l) => `${l.instance.bpmnProcessId}/${l.element.elementId}`)).toEqual(['child/Work']);
  });

  it('offers the jobs of active elements that a worker can still activate', () => {
    expect(pendingJobTypes(flatten(tree))).toEqual(['work']);
    const noRetries = structuredClone(tree);
    const job = noRetries.children?.[0]?.elements[0]?.job;
    if (job) job.retries = 0;
    expect(pendingJobTypes(flatten(noRetries))).toEqual([]);
  });

  it('reports open incidents only, and changes its signature when a job changes state', () => {
    expect(openIncidents(flatten(tree))).toEqual([]);
    const open = structuredClone(tree);
    const work = open.children?.[0]?.elements[0];
    if (work?.incident) work.incident.resolved = false;
    expect(openIncidents(flatten(open))).toEqual([
      { bpmnProcessId: 'child', elementId: 'Work', errorType: 'JOB_NO_RETRIES', errorMessage: 'boom' },
    ]);
    const moved = structuredClone(tree);
    const j = moved.children?.[0]?.elements[0]?.job;
    if (j) j.state = 'activated';
    expect(signature(flatten(moved))).not.toBe(signature(flatten(tree)));
  });
});
