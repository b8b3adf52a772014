// `procos up` with everything real: procos-engine and procos-worker processes, the official SDK
// as the client, manifests in a folder edited while it runs.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/net/free-port.js';
import { spawnEngine } from '../../engine/testing/engine-process.js';
import { tempDir } from '../../lib/testing/temp-dir.js';
import { sdkClient } from '../../lib/zeebe/sdk-client.js';
import { waitFor, waitUntil } from '../../lib/testing/wait-for.js';
import {
  instanceOf,
  instances,
  readyOf,
  startUp,
  statusOf,
  stopAll,
  stopUp,
  type UpHarness,
} from './testing/up-harness.js';

const TESTDATA = join(import.meta.dirname, 'testdata');
const HELLO = join(TESTDATA, 'hello');
const WAIT = { timeoutMs: 60_000 };

afterEach(stopAll);

type Harness = UpHarness;
const up = (root?: string, prepare?: (dir: string) => void): Promise<Harness> =>
  startUp({ from: HELLO, root, prepare });
const stop = stopUp;
const ready = readyOf;
const instance = instanceOf;

/** Adds the hold process (an instance waits for message "go") to the folder. */
function addHold(dir: string): void {
  cpSync(join(TESTDATA, 'hold.bpmn'), join(dir, 'hold.bpmn'));
  cpSync(join(TESTDATA, 'hold.yaml'), join(dir, 'hold.yaml'));
  const k = readFileSync(join(dir, 'kustomization.yaml'), 'utf8')
    .replace('  - process.yaml\n', '  - process.yaml\n  - hold.yaml\n')
    .replace('generatorOptions:', '  - name: hold-bpmn\n    files:\n      - hold.bpmn\ngeneratorOptions:');
  writeFileSync(join(dir, 'kustomization.yaml'), k);
}

/** The key of the hold instance with variable id, once it waits at its message catch. */
async function heldInstance(h: Harness, id: string): Promise<string | undefined> {
  const all = await instances(h);
  return all.find((i) => i.variables.id === id && i.elements.some((e) => e.elementId === 'wait'))?.processInstanceKey;
}

describe('procos up', () => {
  it('boots a folder: deploys its process, runs its pool as local workers, and an instance completes through them', async () => {
    const h = await up();
    expect(ready(h, 'ProcOSProcess', 'hello')).toMatchObject({ status: 'True', reason: 'Deployed' });
    expect(ready(h, 'WorkerPool', 'hello')).toMatchObject({ status: 'True', message: '1/1 workers ready' });
    expect(h.lines.join('\n')).toMatch(/ready +ProcOS is up in [\d.]+ s/);
    const result = await h.zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'hello',
      variables: { name: 'Ada' },
      requestTimeout: 30_000,
    });
    expect(result.variables).toMatchObject({ greeting: 'Hello, Ada!' });
    expect(result.variables.reply).toEqual(expect.stringMatching(/^Hello, Ada! \((short|long) reply\)$/));
  });

  it('deploys an edited BPMN as a new version while a running instance stays on its own', async () => {
    const h = await up(undefined, addHold);
    const dir = h.dir;
    expect(statusOf(h, 'ProcOSProcess', 'hold')?.version).toBe(1);
    const held = (id: string) =>
      h.zbc.createProcessInstanceWithResult({ bpmnProcessId: 'hold', variables: { id }, requestTimeout: 120_000 });
    const first = held('first');
    const firstKey = await waitFor('the first instance waits for "go"', () => heldInstance(h, 'first'));

    const bpmn = join(dir, 'hold.bpmn');
    writeFileSync(bpmn, readFileSync(bpmn, 'utf8').replace('value="v1"', 'value="v2"'));
    await waitUntil(
      'version 2 of hold deployed',
      () => statusOf(h, 'ProcOSProcess', 'hold')?.version,
      (v) => v === 2,
      WAIT,
    );
    await waitFor('the console reports the hot deploy', () =>
      h.lines.find((l) => /hot deploy .* reconciled in \d+ ms/.test(l)),
    );
    expect(h.lines.join('\n')).toContain('deployed hold version 2');

    const second = held('second');
    const secondKey = await waitFor('the second instance waits for "go"', () => heldInstance(h, 'second'));
    expect((await instance(h, firstKey))?.version).toBe(1);
    expect((await instance(h, secondKey))?.version).toBe(2);
    for (const id of ['first', 'second'])
      await h.zbc.publishMessage({ name: 'go', correlationKey: id, variables: { greeting: id }, timeToLive: 60_000 });
    // Each instance ran the reply task of its own version (task header style v1 / v2).
    expect((await first).variables.reply).toBe('first (v1 reply)');
    expect((await second).variables.reply).toBe('second (v2 reply)');
  });

  it('resumes after a stop: nothing is deployed again and a waiting instance goes on', async () => {
    const root = tempDir('procos-up-');
    const before = await up(root, addHold);
    const held = await before.zbc.createProcessInstance({ bpmnProcessId: 'hold', variables: { id: 'resume' } });
    await waitFor('the instance waits', async () =>
      (await instance(before, held.processInstanceKey)) ? true : undefined,
    );
    await stop(before);
    expect(existsSync(join(before.stateDir, 'up.json'))).toBe(false);

    const after = await up(root);
    expect(after.lines.join('\n')).not.toContain('Deployed');
    expect(statusOf(after, 'ProcOSProcess', 'hold')?.version).toBe(1);
    expect((await instance(after, held.processInstanceKey))?.elements.map((e) => e.elementId)).toContain('wait');
    await after.zbc.publishMessage({
      name: 'go',
      correlationKey: 'resume',
      variables: { greeting: 'again' },
      timeToLive: 60_000,
    });
    await waitFor(
      'the resumed instance completes',
      async () => ((await instance(after, held.processInstanceKey)) ? undefined : true),
      WAIT,
    );
  });

  it('keeps the last valid version of a manifest made invalid, and says which field is wrong', async () => {
    const h = await up();
    const pool = join(h.dir, 'pool.yaml');
    writeFileSync(pool, readFileSync(pool, 'utf8').replace('min: 1', 'min: 5'));
    await waitFor(
      'the console names the invalid field',
      () =>
        h.lines.find(
          (l) => l.includes('pool.yaml (WorkerPool/hello: keeps its last valid version)') && l.includes('scaling'),
        ),
      WAIT,
    );
    expect(ready(h, 'WorkerPool', 'hello')).toMatchObject({ status: 'True', message: '1/1 workers ready' });
  });

  it('scales a pool to its new minimum, and stops its workers when the pool leaves the folder', async () => {
    const h = await up();
    const pool = join(h.dir, 'pool.yaml');
    writeFileSync(pool, readFileSync(pool, 'utf8').replace('min: 1', 'min: 2'));
    await waitUntil(
      '2/2 workers ready',
      () => ready(h, 'WorkerPool', 'hello')?.message,
      (m) => m === '2/2 workers ready',
      WAIT,
    );
    expect(h.system.pools.workersOf('default/hello')?.readyUrls()).toHaveLength(2);

    const k = join(h.dir, 'kustomization.yaml');
    writeFileSync(k, readFileSync(k, 'utf8').replace('  - pool.yaml\n', ''));
    await waitUntil(
      'the pool is gone',
      () => h.system.pools.workersOf('default/hello'),
      (w) => w === undefined,
      WAIT,
    );
    await waitUntil(
      'the process says no pool serves its job types',
      () => statusOf(h, 'ProcOSProcess', 'hello')?.conditions?.find((c) => c.type === 'WorkersAvailable'),
      (c) => c?.status === 'False',
      WAIT,
    );
  });

  it('reports CrashLoopBackOff for a pool whose workers keep exiting', async () => {
    const h = await up(undefined, (dir) => {
      const pool = join(dir, 'pool.yaml');
      writeFileSync(
        pool,
        `${readFileSync(pool, 'utf8')}  env:\n    - name: NODE_OPTIONS\n      value: --no-such-node-flag\n`,
      );
    });
    expect(ready(h, 'WorkerPool', 'hello')).toMatchObject({ status: 'False', reason: 'CrashLoopBackOff' });
    expect(ready(h, 'WorkerPool', 'hello')?.message).toMatch(
      /worker default-hello-0 keeps exiting \(last exit code 9\)/,
    );
  });

  it('scales a pool by its job backlog (the operator’s scaler), and back down once the backlog is gone', async () => {
    const h = await startUp({ from: join(TESTDATA, 'slow'), options: { pollMs: 200 } });
    // Ten jobs of one second each, one at a time per worker: a backlog however fast the machine.
    for (let i = 0; i < 10; i++) await h.zbc.createProcessInstance({ bpmnProcessId: 'slow', variables: {} });
    await waitFor(
      'a scale-up',
      () => h.lines.find((l) => /WorkerPool slow: ScaledUp: backlog \d+ > 2 per replica: 1 → [23]$/.test(l)),
      WAIT,
    );
    await waitFor(
      'the scale-down to one',
      () => h.lines.find((l) => /WorkerPool slow: ScaledDown: backlog \d+ at 2 per replica: [23] → 1$/.test(l)),
      WAIT,
    );
    await waitUntil(
      '1/1 workers ready',
      () => ready(h, 'WorkerPool', 'slow')?.message,
      (m) => m === '1/1 workers ready',
      WAIT,
    );
  }, 150_000);

  it('uses the engine of ZEEBE_GRPC_ADDRESS instead of starting one (deploys there, its workers serve it)', async () => {
    const [port, monitoringPort] = [await freePort(), await freePort()];
    const engine = await spawnEngine({ port, monitoringPort, dataDir: tempDir('procos-external-') });
    try {
      const h = await startUp({
        from: HELLO,
        options: { externalEngine: { address: `grpc://127.0.0.1:${port}`, config: { CAMUNDA_AUTH_STRATEGY: 'NONE' } } },
      });
      expect(h.lines.join('\n')).toContain(`using the engine at grpc://127.0.0.1:${port}`);
      expect(ready(h, 'ProcOSProcess', 'hello')).toMatchObject({ status: 'True' });
      const other = sdkClient(`127.0.0.1:${port}`);
      const result = await other.createProcessInstanceWithResult({
        bpmnProcessId: 'hello',
        variables: { name: 'Ext' },
        requestTimeout: 30_000,
      });
      expect(result.variables).toMatchObject({ greeting: 'Hello, Ext!' });
      await other.close(1000);
      await stopAll();
    } finally {
      await engine.kill('SIGTERM');
    }
  });
});
