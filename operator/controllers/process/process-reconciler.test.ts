// The reconciler against fakes that fail the way the real things do: an apiserver that checks
// resourceVersion preconditions and the CRD's status schema, an informer cache that lags
// behind, status writes that fail, an engine that counts deployments and instances.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../lib/cli/version.js';
import { procosProcessStatus } from '../../api/index.js';
import type { DeployedDefinition, EngineClient } from '../../engine-client/engine-client.js';
import type { EventSink, EventType } from '../../runtime/event-recorder.js';
import { KubeError, type KubeObject } from '../../runtime/kube-client.js';
import type { ProcessObject } from './process-observer.js';
import { ProcessReconciler, type FaultPoint } from './process-reconciler.js';

const hello = readFileSync(join(projectRoot(), 'processes/hello.bpmn'), 'utf8');
const withId = (id: string, extra = ''): string =>
  hello.replaceAll('"hello"', `"${id}"`).replace('name="Greet"', `name="Greet${extra}"`);

class FakeApiserver {
  readonly objects = new Map<string, ProcessObject>();
  private rv = 100;
  /** Fails the next status writes with these errors (first one first). */
  statusFailures: KubeError[] = [];
  statusWrites = 0;

  private pathOf(o: KubeObject): string {
    return `/apis/procos.io/v1alpha1/namespaces/${o.metadata.namespace}/procosprocesses/${o.metadata.name}`;
  }

  create(
    name: string,
    spec: Partial<ProcessObject['spec']> & { bpmn: ProcessObject['spec']['bpmn'] },
    created = '2026-01-01T00:00:00Z',
  ): ProcessObject {
    const obj: ProcessObject = {
      apiVersion: 'procos.io/v1alpha1',
      kind: 'ProcOSProcess',
      metadata: {
        name,
        namespace: 'ns',
        uid: `uid-${name}`,
        generation: 1,
        resourceVersion: String(++this.rv),
        creationTimestamp: created,
      },
      spec: { deletionPolicy: 'Retain', startOnDeploy: { enabled: false }, ...spec },
    };
    this.objects.set(this.pathOf(obj), obj);
    return structuredClone(obj);
  }

  edit(name: string, change: (o: ProcessObject) => void): void {
    const o = this.get(name);
    change(o);
    o.metadata.generation = (o.metadata.generation ?? 0) + 1;
    o.metadata.resourceVersion = String(++this.rv);
  }

  get(name: string): ProcessObject {
    const o = [...this.objects.values()].find((x) => x.metadata.name === name);
    if (!o) throw new Error(`no ${name}`);
    return o;
  }

  request<T>(method: string, path: string): Promise<T> {
    const o = this.objects.get(path);
    if (method !== 'GET' || !o) return Promise.reject(new KubeError(404, 'NotFound', `${path} not found`));
    return Promise.resolve(structuredClone(o) as T);
  }

  apply<T>(path: string, body: unknown, subresource?: 'status'): Promise<T> {
    const o = this.objects.get(path.replace(/\/status$/, ''));
    const b = body as { metadata: { resourceVersion?: string }; status: unknown };
    if (!o || subresource !== 'status') return Promise.reject(new Error(`unexpected apply ${path}`));
    this.statusWrites++;
    const failure = this.statusFailures.shift();
    if (failure) return Promise.reject(failure);
    if (b.metadata.resourceVersion && b.metadata.resourceVersion !== o.metadata.resourceVersion)
      return Promise.reject(new KubeError(409, 'Conflict', 'the object has been modified'));
    const parsed = procosProcessStatus.safeParse(b.status);
    if (!parsed.success) return Promise.reject(new KubeError(422, 'Invalid', parsed.error.message));
    o.status = structuredClone(parsed.data);
    o.metadata.resourceVersion = String(++this.rv);
    return Promise.resolve(structuredClone(o) as T);
  }

  jsonPatch<T>(path: string, ops: { op: string; value?: unknown }[]): Promise<T> {
    const o = this.objects.get(path);
    if (!o) return Promise.reject(new KubeError(404, 'NotFound', path));
    for (const op of ops) {
      if (op.op === 'add') o.metadata.finalizers = ['procos.io/engine-cleanup'];
      if (op.op === 'remove') o.metadata.finalizers = [];
    }
    o.metadata.resourceVersion = String(++this.rv);
    return Promise.resolve(structuredClone(o) as T);
  }
}

/** An informer cache that only moves when the test says so (sync), like a lagging watch. */
class LaggingCache<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  constructor(private readonly source: () => T[]) {}
  sync(): void {
    this.cache.clear();
    for (const o of this.source()) this.cache.set(`${o.metadata.namespace}/${o.metadata.name}`, structuredClone(o));
  }
  get(key: string): T | undefined {
    return this.cache.get(key);
  }
  list(): T[] {
    return [...this.cache.values()];
  }
}

class FakeEngine implements EngineClient {
  readonly definitions: (DeployedDefinition & { resourceName: string; xml: string })[] = [];
  readonly instances: { bpmnProcessId: string; version: number; variables: Record<string, unknown> }[] = [];
  deployCalls = 0;
  createFailures: Error[] = [];
  deleteFailures: Error[] = [];

  deploy(resourceName: string, xml: string): Promise<DeployedDefinition[]> {
    this.deployCalls++;
    const id = /<bpmn:process id="([^"]+)"/.exec(xml)?.[1] ?? '';
    const latest = this.definitions.filter((d) => d.bpmnProcessId === id).at(-1);
    if (latest && latest.xml === xml && latest.resourceName === resourceName) return Promise.resolve([latest]);
    const d = {
      bpmnProcessId: id,
      version: (latest?.version ?? 0) + 1,
      processDefinitionKey: String(1000 + this.definitions.length),
      resourceName,
      xml,
    };
    this.definitions.push(d);
    return Promise.resolve([d]);
  }

  createInstance(bpmnProcessId: string, version: number, variables: Record<string, unknown>): Promise<string> {
    const failure = this.createFailures.shift();
    if (failure) return Promise.reject(failure);
    this.instances.push({ bpmnProcessId, version, variables });
    return Promise.resolve(String(5000 + this.instances.length));
  }

  deleteResource(): Promise<void> {
    const failure = this.deleteFailures.shift();
    return failure ? Promise.reject(failure) : Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

class RecordedEvents implements EventSink {
  readonly events: { name: string; type: EventType; reason: string; message: string }[] = [];
  record(obj: KubeObject, type: EventType, reason: string, message: string): void {
    this.events.push({ name: obj.metadata.name, type, reason, message });
  }
}

class Crash extends Error {}

function setup(o: { faultPoint?: (p: FaultPoint) => void } = {}) {
  const api = new FakeApiserver();
  const processes = new LaggingCache<ProcessObject>(() => [...api.objects.values()]);
  const engine = new FakeEngine();
  const events = new RecordedEvents();
  const empty = { get: () => undefined, list: () => [] };
  const reconciler = (faultPoint = o.faultPoint) =>
    new ProcessReconciler({
      client: api,
      engine,
      processes,
      configMaps: empty,
      policies: empty,
      events,
      log: pino({ level: 'silent' }),
      faultPoint,
    });
  return { api, processes, engine, events, reconciler };
}

const grpcError = (code: number, text: string): Error => Object.assign(new Error(`${code} ${text}`), { code });

describe('ProcessReconciler', () => {
  it('deploys and starts one instance; a stale cache re-reconciling deploys and starts nothing more', async () => {
    const { api, processes, engine, reconciler } = setup();
    api.create('boot', { bpmn: { inline: withId('boot') }, startOnDeploy: { enabled: true, variables: { a: 1 } } });
    processes.sync();
    const r = reconciler();
    await r.reconcile('ns/boot');
    await r.reconcile('ns/boot'); // the cache has not seen the status writes yet
    processes.sync();
    await r.reconcile('ns/boot');
    expect(engine.deployCalls).toBe(1);
    expect(engine.instances).toEqual([
      { bpmnProcessId: 'boot', version: 1, variables: { a: 1, procosStartKey: 'uid-boot/1' } },
    ]);
    expect(api.get('boot').status?.startOnDeploy).toMatchObject({
      phase: 'Started',
      version: 1,
      processInstanceKey: '5001',
    });
    expect(api.get('boot').status?.conditions?.[0]).toMatchObject({
      type: 'Ready',
      status: 'True',
      reason: 'Deployed',
    });
  });

  it('a status write failing after the instance was created: retried, still exactly one instance', async () => {
    const { api, processes, engine, reconciler } = setup();
    api.create('boot', { bpmn: { inline: withId('boot') }, startOnDeploy: { enabled: true } });
    processes.sync();
    const r = reconciler();
    // Phase 1 (Starting) lands; the write after the start fails.
    const apply = api.apply.bind(api);
    let writes = 0;
    api.apply = <T>(path: string, body: unknown, sub?: 'status'): Promise<T> =>
      ++writes === 2 ? Promise.reject(new Error('connection reset')) : apply<T>(path, body, sub);
    await expect(r.reconcile('ns/boot')).rejects.toThrow('connection reset');
    expect(api.get('boot').status?.startOnDeploy?.phase).toBe('Starting');
    processes.sync();
    await r.reconcile('ns/boot');
    expect(engine.instances).toHaveLength(1);
    expect(api.get('boot').status?.startOnDeploy).toMatchObject({ phase: 'Started', processInstanceKey: '5001' });
  });

  it('a crash between creating the instance and recording it: the next operator does not start another', async () => {
    const { api, processes, engine, reconciler } = setup();
    api.create('boot', { bpmn: { inline: withId('boot') }, startOnDeploy: { enabled: true } });
    processes.sync();
    const crashing = reconciler(() => {
      throw new Crash('kill -9 after instance-created');
    });
    await expect(crashing.reconcile('ns/boot')).rejects.toThrow(Crash);
    processes.sync();
    const next = reconciler(); // a new process: no memory of what the first one did
    await next.reconcile('ns/boot');
    processes.sync();
    await next.reconcile('ns/boot');
    expect(engine.instances).toHaveLength(1);
    expect(api.get('boot').status?.startOnDeploy).toMatchObject({
      phase: 'Unconfirmed',
      message: expect.stringContaining('procosStartKey="uid-boot/1"') as unknown,
    });
    expect(api.get('boot').status?.conditions?.[0]).toMatchObject({ status: 'True', reason: 'Deployed' });
  });

  it('rapid edits seen through a lagging cache: one instance per version, never more', async () => {
    const { api, processes, engine, reconciler } = setup();
    api.create('boot', { bpmn: { inline: withId('boot') }, startOnDeploy: { enabled: true } });
    const r = reconciler();
    for (let i = 1; i <= 20; i++) {
      if (i % 3 !== 0) processes.sync(); // every third reconcile reads a stale cache
      const result = await r.reconcile('ns/boot');
      expect(result?.requeueAfterMs ?? 0).toBeLessThanOrEqual(5000);
      api.edit('boot', (o) => (o.spec.bpmn.inline = withId('boot', ` ${i}`)));
    }
    for (let i = 0; i < 3; i++) {
      processes.sync();
      await r.reconcile('ns/boot');
    }
    const versions = engine.definitions.length;
    expect(engine.instances.map((x) => x.version)).toEqual(Array.from({ length: versions }, (_, i) => i + 1));
  });

  it('a new leader reading a stale cache does not start again (the Starting record is written on a resourceVersion)', async () => {
    const { api, processes, engine, reconciler } = setup();
    api.create('boot', { bpmn: { inline: withId('boot') }, startOnDeploy: { enabled: true } });
    processes.sync();
    await reconciler().reconcile('ns/boot');
    // The standby's cache still shows the object as it was before the first leader wrote.
    const result = await reconciler().reconcile('ns/boot');
    expect(engine.instances).toHaveLength(1);
    expect(result).toBeUndefined();
    expect(api.get('boot').status?.startOnDeploy).toMatchObject({ phase: 'Started', processInstanceKey: '5001' });
  });

  it('an engine outage during the start: Failed/EngineUnavailable, retried, then exactly one instance', async () => {
    const { api, processes, engine, reconciler } = setup();
    api.create('boot', { bpmn: { inline: withId('boot') }, startOnDeploy: { enabled: true } });
    processes.sync();
    const r = reconciler();
    engine.createFailures = [grpcError(14, 'UNAVAILABLE: No connection established')];
    await expect(r.reconcile('ns/boot')).rejects.toThrow();
    expect(api.get('boot').status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'EngineUnavailable' });
    processes.sync();
    await r.reconcile('ns/boot');
    expect(engine.instances).toHaveLength(1);
    expect(api.get('boot').status?.conditions?.[0]).toMatchObject({ status: 'True', reason: 'Deployed' });
  });

  it('a refused status write: no redeploy, no second start, the refusal reported once', async () => {
    const { api, processes, engine, events, reconciler } = setup();
    api.create('boot', { bpmn: { inline: withId('boot') } });
    processes.sync();
    const r = reconciler();
    for (let i = 0; i < 5; i++) {
      api.statusFailures = [new KubeError(422, 'Invalid', `status.x: Invalid value: ${'y'.repeat(40_000)}`)];
      await expect(r.reconcile('ns/boot')).resolves.toBeUndefined();
    }
    expect(engine.deployCalls).toBe(1);
    const refused = events.events.filter((e) => e.reason === 'StatusRejected');
    expect(refused).toHaveLength(1);
    expect(refused[0]?.message.length).toBeLessThan(1024);
  });

  it('keeps status within the CRD for 300 job types and a 300-character type', async () => {
    const { api, processes, reconciler } = setup();
    const tasks = Array.from(
      { length: 300 },
      (_, i) =>
        `<bpmn:serviceTask id="t${i}"><bpmn:extensionElements><zeebe:taskDefinition type="type-${i}" /></bpmn:extensionElements></bpmn:serviceTask>`,
    ).join('');
    const xml = withId('wide').replace('</bpmn:process>', `${tasks}</bpmn:process>`);
    api.create('wide', { bpmn: { inline: xml } });
    processes.sync();
    await reconciler().reconcile('ns/wide');
    const status = api.get('wide').status;
    expect(status?.taskTypes).toHaveLength(256);
    expect(status?.conditions?.[0]?.message).toContain('status.taskTypes lists the first 256 of 302 job types');
  });

  it('two resources with one process id: the older one deploys, the newer reports DuplicateProcessId', async () => {
    const { api, processes, engine, reconciler } = setup();
    api.create('first', { bpmn: { inline: withId('shared') } }, '2026-01-01T00:00:00Z');
    api.create('second', { bpmn: { inline: withId('shared', ' 2') } }, '2026-01-02T00:00:00Z');
    processes.sync();
    const r = reconciler();
    await r.reconcile('ns/second'); // reconciled first: must still not deploy
    await r.reconcile('ns/first');
    expect(engine.definitions.map((d) => d.resourceName)).toEqual(['ns_first.bpmn']);
    expect(api.get('second').status?.conditions?.[0]).toMatchObject({
      reason: 'DuplicateProcessId',
      message: expect.stringContaining('already deployed by ProcOSProcess ns/first') as unknown,
    });
  });

  it('created in the same second: the one that already deployed the id keeps it', async () => {
    const { api, processes, engine, reconciler } = setup();
    const r = reconciler();
    api.create('zeta', { bpmn: { inline: withId('shared') } }, '2026-01-01T00:00:00Z');
    processes.sync();
    await r.reconcile('ns/zeta');
    api.create('alpha', { bpmn: { inline: withId('shared', ' 2') } }, '2026-01-01T00:00:00Z');
    processes.sync();
    await r.reconcile('ns/alpha');
    await r.reconcile('ns/zeta');
    expect(engine.definitions.map((d) => d.resourceName)).toEqual(['ns_zeta.bpmn']);
    expect(api.get('alpha').status?.conditions?.[0]?.reason).toBe('DuplicateProcessId');
    expect(api.get('zeta').status?.conditions?.[0]?.reason).toBe('Deployed');
  });

  it('deletion blocked by the engine: Ready=False/DeletionBlocked while terminating', async () => {
    const { api, processes, engine, reconciler } = setup();
    api.create('doomed', { bpmn: { inline: withId('doomed') }, deletionPolicy: 'Delete' });
    processes.sync();
    const r = reconciler();
    await r.reconcile('ns/doomed');
    processes.sync();
    api.edit('doomed', (o) => (o.metadata.deletionTimestamp = '2026-01-03T00:00:00Z'));
    processes.sync();
    engine.deleteFailures = [grpcError(14, 'UNAVAILABLE: No connection established')];
    await expect(r.reconcile('ns/doomed')).rejects.toThrow();
    expect(api.get('doomed').status?.conditions?.[0]).toMatchObject({
      type: 'Ready',
      status: 'False',
      reason: 'DeletionBlocked',
    });
    expect(api.get('doomed').metadata.finalizers).toEqual(['procos.io/engine-cleanup']);
    processes.sync();
    await r.reconcile('ns/doomed');
    expect(api.get('doomed').metadata.finalizers).toEqual([]);
  });
});
