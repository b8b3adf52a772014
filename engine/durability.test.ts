import { describe, expect, it } from 'vitest';
import { tempDir } from '../lib/testing/temp-dir.js';
import { freePort } from '../lib/net/free-port.js';
import { sdkClient } from '../lib/zeebe/sdk-client.js';
import { spawnEngine } from './testing/engine-process.js';
import { waitFor } from '../lib/testing/wait-for.js';
import { fixture } from './testing/engine-harness.js';
import { readEventLog } from './log/event-log.js';

const INSTANCES = 200;

function completedInstanceCounts(dataDir: string): Map<number, number> {
  const processKeys = new Set<number>();
  const counts = new Map<number, number>();
  for (const e of readEventLog(dataDir)) {
    if (e.type === 'ELEMENT_ACTIVATING' && e.kind === 'process') processKeys.add(e.key);
    if (e.type === 'ELEMENT_COMPLETED' && processKeys.has(e.key)) counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
  }
  return counts;
}

describe('procos-engine durability (real process, kill -9)', () => {
  it(`kill -9 during a load of ${INSTANCES} instances: after restart all complete, none twice`, async () => {
    const dataDir = tempDir('procos-durability-');
    const ports = { port: await freePort(), monitoringPort: await freePort(), dataDir };
    let engine = await spawnEngine(ports);
    const zbc = sdkClient(engine.grpc, { retry: true });
    try {
      await zbc.deployResource({ name: 'two-steps.bpmn', process: fixture('two-steps.bpmn') });
      const created = new Set<number>();
      for (let i = 0; i < INSTANCES; i += 20) {
        const batch = await Promise.all(
          Array.from({ length: 20 }, (_, j) =>
            zbc.createProcessInstance({ bpmnProcessId: 'two-steps', variables: { n: i + j } }),
          ),
        );
        for (const r of batch) created.add(Number(r.processInstanceKey));
      }
      let audited = 0;
      zbc.createWorker({
        taskType: 'durable.work',
        timeout: 2000,
        taskHandler: (job) => job.complete({ worked: true }),
      });
      zbc.createWorker({
        taskType: 'durable.audit',
        timeout: 2000,
        taskHandler: async (job) => {
          audited++;
          return job.complete();
        },
      });
      await waitFor('some progress before the crash', () => (audited >= 40 ? true : undefined));
      const runningAtCrash = ((await (await fetch(`${engine.monitoring}/v1/process-instances`)).json()) as unknown[])
        .length;
      await engine.kill('SIGKILL');
      expect(runningAtCrash, 'the crash must hit a load still in progress').toBeGreaterThan(0);
      engine = await spawnEngine(ports);
      await waitFor(
        'every instance to finish after restart',
        async () => {
          const running = (await (await fetch(`${engine.monitoring}/v1/process-instances`)).json()) as unknown[];
          return running.length === 0 ? true : undefined;
        },
        { timeoutMs: 60_000 },
      );
      await engine.kill('SIGTERM');
      const counts = completedInstanceCounts(dataDir);
      expect(created.size).toBe(INSTANCES);
      expect([...created].filter((k) => counts.get(k) !== 1)).toEqual([]);
      expect(counts.size).toBe(INSTANCES);
    } finally {
      await zbc.close(1000).catch(() => undefined);
      await engine.kill('SIGKILL');
    }
  }, 120_000);
});
