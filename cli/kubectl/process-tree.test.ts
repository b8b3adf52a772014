import { describe, expect, it } from 'vitest';
import { buildTree, drawTree, treeText, type PoolObject, type ProcessObject } from './process-tree.js';

const ready = (status: 'True' | 'False' | 'Unknown', reason: string, message = '') => [
  { type: 'Ready', status, reason, message, lastTransitionTime: '2026-01-01T00:00:00Z' },
];

const hello: ProcessObject = {
  metadata: { name: 'hello', namespace: 'team-a', generation: 2 },
  status: {
    observedGeneration: 2,
    conditions: ready('True', 'Deployed', 'version 3 is deployed'),
    bpmnProcessId: 'hello',
    version: 3,
    taskTypes: ['hello.greet', 'hello.reply'],
  },
};
const pool = (name: string, namespace: string, taskTypes: string[], status: PoolObject['status'] = {}): PoolObject => ({
  metadata: { name, namespace },
  spec: { taskTypes },
  status,
});

describe('the process tree', () => {
  it('hangs job types under the deployed version and the pools of the same namespace under each type', () => {
    const tree = buildTree(
      [hello],
      [
        pool('greeters', 'team-a', ['hello.greet'], {
          conditions: ready('True', 'Available'),
          readyReplicas: 2,
          desiredReplicas: 2,
          backlog: 7,
          backlogByType: [{ taskType: 'hello.greet', backlog: 7 }],
        }),
        pool('elsewhere', 'team-b', ['hello.reply']),
        pool('idle', 'team-a', ['other.type']),
      ],
      { running: [{ bpmnProcessId: 'hello', version: 2, count: 4 }] },
    );
    expect(tree.processes[0]?.versions.map((v) => [v.version, v.latest, v.runningInstances])).toEqual([
      [3, true, 0],
      [2, false, 4],
    ]);
    const [greet, reply] = tree.processes[0]?.versions[0]?.jobTypes ?? [];
    expect(greet).toMatchObject({ type: 'hello.greet', backlog: 7, pools: [{ name: 'greeters', readyWorkers: 2 }] });
    // A pool in another namespace does not serve this process.
    expect(reply).toEqual({ type: 'hello.reply', pools: [] });
    expect(tree.otherPools.map((p) => `${p.namespace}/${p.name}`)).toEqual(['team-b/elsewhere', 'team-a/idle']);

    expect(treeText(tree, false)).toEqual([
      'process hello (id hello)  Ready',
      '├── version 3 (latest) · 0 running',
      '│   ├── job type hello.greet · 7 waiting',
      '│   │   └── pool greeters  Ready · 2/2 workers · backlog 7',
      '│   └── job type hello.reply',
      '│       └── no WorkerPool serves it: its jobs wait',
      '└── version 2 · 4 running',
      'pools serving no process here',
      '├── pool elsewhere  not reconciled yet · 0/0 workers · backlog 0',
      '└── pool idle  not reconciled yet · 0/0 workers · backlog 0',
    ]);
  });

  it('shows why a process is not ready, and the job types of a spec not deployed yet', () => {
    const broken: ProcessObject = {
      metadata: { name: 'broken', namespace: 'team-a', generation: 3 },
      status: { observedGeneration: 2, conditions: ready('False', 'TaskTypeNotAllowed', 'x.y is not allowed') },
    };
    const tree = buildTree([broken], [], { specTaskTypes: () => ['x.y'] });
    expect(treeText(tree, true)).toEqual([
      'process team-a/broken  not ready: TaskTypeNotAllowed (x.y is not allowed) · spec changed, not reconciled yet',
      '└── not deployed yet',
      '    └── job type x.y',
      '        └── no WorkerPool serves it: its jobs wait',
    ]);
  });

  it('draws nested children with continuation bars only under non-last siblings', () => {
    expect(
      drawTree([
        {
          label: 'r',
          children: [
            { label: 'a', children: [{ label: 'a1' }] },
            { label: 'b', children: [{ label: 'b1' }] },
          ],
        },
      ]),
    ).toEqual(['r', '├── a', '│   └── a1', '└── b', '    └── b1']);
  });
});
