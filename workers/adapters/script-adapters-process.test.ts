// The python and compute adapters serving one process on procos-engine through the worker
// runtime: a python task prices an order, a Scilab task splits the total into instalments.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../engine/testing/engine-harness.js';
import { projectRoot } from '../../lib/cli/version.js';
import { startJobWorkers } from '../job-runtime.js';
import { bindPool } from '../pool-config.js';
import { requireScilab } from '../sandbox/require-host-tools.js';

const pool = [
  {
    apiVersion: 'procos.io/v1alpha1',
    kind: 'SandboxPolicy',
    metadata: { name: 'scripts' },
    spec: {
      allowedTaskTypes: ['script.*'],
      script: { wallTimeSeconds: 20, cpuTimeSeconds: 5, memory: '512Mi', network: 'None' },
    },
  },
  {
    apiVersion: 'procos.io/v1alpha1',
    kind: 'WorkerPool',
    metadata: { name: 'scripts' },
    spec: {
      sandboxPolicyRef: { name: 'scripts' },
      taskTypes: ['script.price', 'script.plan'],
      handlers: [
        {
          taskType: 'script.price',
          adapter: 'python',
          config: {
            inputs: ['quantity', 'unitPrice'],
            script:
              'import json, sys\nv = json.load(sys.stdin)\nprint(json.dumps({"total": v["quantity"] * v["unitPrice"]}))',
          },
        },
        {
          taskType: 'script.plan',
          adapter: 'compute',
          config: {
            inputs: ['total', 'months'],
            outputs: ['instalments'],
            script: 'instalments = ones(1, months) * total / months;',
          },
        },
      ],
    },
  },
];

describe('script adapters on procos-engine', () => {
  let h: Harness;
  beforeAll(async () => {
    await requireScilab();
    h = await startHarness();
  });
  afterAll(async () => {
    // undefined when requireScilab failed first
    await (h as Harness | undefined)?.stop();
  });

  it('runs a python task then a Scilab task to the process result', async () => {
    const bound = bindPool(pool);
    if (!bound.ok) throw new Error(bound.errors.join('\n'));
    const log = pino({ level: 'silent' });
    for (const handler of bound.pool.handlers) await handler.start({ policy: bound.pool.policy, log });
    const workers = startJobWorkers(h.client(), bound.pool, log);
    try {
      const zbc = h.client();
      await zbc.deployResource({
        name: 'script-tasks.bpmn',
        process: readFileSync(join(projectRoot(), 'workers/sandbox/fixtures/script-tasks.bpmn')),
      });
      const result = await zbc.createProcessInstanceWithResult({
        bpmnProcessId: 'script-tasks',
        variables: { quantity: 3, unitPrice: 40, months: 4 },
      });
      expect(result.variables).toEqual({
        quantity: 3,
        unitPrice: 40,
        months: 4,
        total: 120,
        instalments: [30, 30, 30, 30],
      });
      expect(await h.outcome(result.processInstanceKey)).toMatchObject({ state: 'COMPLETED', endEvents: ['end'] });
    } finally {
      await workers.close();
    }
  });
});
