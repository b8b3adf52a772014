import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './testing/engine-harness.js';

const helloBpmn = readFileSync(new URL('../processes/hello.bpmn', import.meta.url));

describe('procos-engine with the official @camunda8/sdk client', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.stop());

  it('answers Topology like a one-broker Zeebe (C6)', async () => {
    const t = await h.client().topology();
    expect(t.brokers).toHaveLength(1);
    expect(t.brokers[0]?.partitions[0]).toMatchObject({ partitionId: 1, role: 'LEADER', health: 'HEALTHY' });
    expect(t.gatewayVersion).toMatch(/^8\.8\./);
    expect(t.clusterSize).toBe(1);
  });

  it('runs the hello process to a result with SDK workers', async () => {
    const zbc = h.client();
    const d = await zbc.deployResource({ name: 'hello.bpmn', process: helloBpmn });
    expect(d.deployments[0]?.process).toMatchObject({
      bpmnProcessId: 'hello',
      version: 1,
      resourceName: 'hello.bpmn',
      tenantId: '<default>',
    });
    zbc.createWorker({
      taskType: 'hello.greet',
      taskHandler: (job) => job.complete({ greeting: `Hello, ${job.variables.name as string}!` }),
    });
    zbc.createWorker({
      taskType: 'hello.reply',
      taskHandler: (job) => job.complete({ reply: `${job.variables.greeting as string} (${job.customHeaders.style})` }),
    });
    const short = await zbc.createProcessInstanceWithResult({ bpmnProcessId: 'hello', variables: { name: 'Ada' } });
    expect(short.variables).toEqual({ name: 'Ada', greeting: 'Hello, Ada!', reply: 'Hello, Ada! (short)' });
    const long = await zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'hello',
      variables: { name: 'Grace Hopper' },
    });
    expect(long.variables.reply).toBe('Hello, Grace Hopper! (long)');
  });

  it('deploying the same resource twice keeps key and version; a change bumps the version (C9)', async () => {
    const zbc = h.client();
    const a = await zbc.deployResource({ name: 'hello.bpmn', process: helloBpmn });
    const b = await zbc.deployResource({ name: 'hello.bpmn', process: helloBpmn });
    expect(b.deployments[0]?.process.processDefinitionKey).toBe(a.deployments[0]?.process.processDefinitionKey);
    expect(b.deployments[0]?.process.version).toBe(a.deployments[0]?.process.version);
    expect(b.key).not.toBe(a.key);
    const changed = Buffer.from(helloBpmn.toString().replace('name="Greet"', 'name="Greet warmly"'));
    const c = await zbc.deployResource({ name: 'hello.bpmn', process: changed });
    expect(c.deployments[0]?.process.version).toBe((a.deployments[0]?.process.version ?? 0) + 1);
  });
});
