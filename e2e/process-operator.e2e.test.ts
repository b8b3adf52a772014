// The operator on a real control plane with procos-engine on loopback: ProcOSProcess from
// apply to Ready, versions, invalid specs, deletion policies, engine outages, leadership.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from '../cli/free-port.js';
import { spawnEngine, type EngineProcess } from '../engine/testing/engine-process.js';
import { projectRoot } from '../lib/cli/version.js';
import { sdkClient } from '../lib/zeebe/sdk-client.js';
import { installCrds, useCluster, type TestCluster } from './cluster/test-cluster.js';
import { spawnOperator, type OperatorProcess } from './testing/operator-process.js';

const NS = 'procos-operator-e2e';
const hello = readFileSync(join(projectRoot(), 'processes/hello.bpmn'), 'utf8');

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface ProcessView {
  metadata: { finalizers?: string[]; generation: number };
  status?: {
    conditions?: Condition[];
    version?: number;
    processDefinitionKey?: string;
    bpmnProcessId?: string;
    taskTypes?: string[];
    observedGeneration?: number;
  };
}

function processManifest(name: string, xml: string, extra: Record<string, unknown> = {}): string {
  return stringify({
    apiVersion: 'procos.io/v1alpha1',
    kind: 'ProcOSProcess',
    metadata: { name, namespace: NS },
    spec: { bpmn: { inline: xml }, ...extra },
  });
}

describe('ProcOSProcess controller (real apiserver, real engine process, operator process)', () => {
  let cluster: TestCluster;
  let engine: EngineProcess;
  let engineArgs: { port: number; monitoringPort: number; dataDir: string };
  let operator: OperatorProcess;
  const logDir = mkdtempSync(join(tmpdir(), 'procos-operator-e2e-'));

  const get = (name: string): ProcessView =>
    JSON.parse(cluster.kubectl(['get', 'procosprocess', name, '-n', NS, '-o', 'json'])) as ProcessView;
  const condition = (name: string, type: string): Condition | undefined =>
    get(name).status?.conditions?.find((c) => c.type === type);
  async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; operator log: ${operator.logFile}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const readyReason = (name: string, reason: string) =>
    until(`${name} Ready reason ${reason}`, () =>
      condition(name, 'Ready')?.reason === reason ? condition(name, 'Ready') : undefined,
    );

  beforeAll(async () => {
    cluster = await useCluster();
    installCrds(cluster, join(projectRoot(), 'crds'));
    cluster.kubectl(['create', 'namespace', NS]);
    cluster.kubectl(['create', 'namespace', 'procos-system']);
    cluster.kubectl(['apply', '-n', NS, '-f', join(projectRoot(), 'processes/samples/sandboxpolicy.yaml')]);
    engineArgs = {
      port: await freePort(),
      monitoringPort: await freePort(),
      dataDir: mkdtempSync(join(tmpdir(), 'procos-e2e-engine-')),
    };
    engine = await spawnEngine(engineArgs);
    operator = spawnOperator({
      kubeconfig: cluster.kubeconfigPath,
      engineAddress: engine.grpc,
      identity: 'op-a',
      logDir,
      leaseDurationSeconds: 6,
    });
  }, 900_000);

  afterAll(async () => {
    await operator.kill('SIGTERM');
    await engine.kill('SIGTERM');
    await cluster.stop();
  });

  it('deploys a ProcOSProcess: Ready with version 1, its job types in status, runnable in the engine', async () => {
    cluster.kubectl(['apply', '-f', join(projectRoot(), 'processes/samples/procosprocess.yaml'), '-n', NS]);
    await readyReason('hello', 'Deployed');
    const p = get('hello');
    expect(p.status).toMatchObject({
      bpmnProcessId: 'hello',
      version: 1,
      taskTypes: ['hello.greet', 'hello.reply'],
      observedGeneration: p.metadata.generation,
    });
    const zbc = sdkClient(engine.grpc);
    const instance = await zbc.createProcessInstance({ bpmnProcessId: 'hello', variables: { name: 'e2e' } });
    expect(instance.processDefinitionKey).toBe(p.status?.processDefinitionKey);
    await zbc.close(500);
    // kubectl wait works on the standard Ready condition.
    cluster.kubectl(['wait', '--for=condition=Ready', 'procosprocess/hello', '-n', NS, '--timeout=10s']);
  });

  it('a changed BPMN becomes version 2; running instances stay on version 1', async () => {
    const running = JSON.parse(await (await fetch(`${engine.monitoring}/v1/process-instances`)).text()) as {
      version: number;
    }[];
    expect(running.some((i) => i.version === 1)).toBe(true);
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('hello', hello.replace('name="Greet"', 'name="Greet warmly"'), {
        sandboxPolicyRef: { name: 'hello' },
      }),
    );
    await until('version 2', () => (get('hello').status?.version === 2 ? true : undefined));
    const after = JSON.parse(await (await fetch(`${engine.monitoring}/v1/process-instances`)).text()) as {
      version: number;
    }[];
    expect(after.filter((i) => i.version === 1).length).toBe(running.filter((i) => i.version === 1).length);
  });

  it('reads BPMN from a ConfigMap and redeploys when the ConfigMap changes', async () => {
    const cm = (xml: string): string =>
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'from-cm-bpmn', namespace: NS },
        data: { 'process.bpmn': xml },
      });
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('from-cm', '', { bpmn: { configMapRef: { name: 'from-cm-bpmn' } } }),
    );
    expect((await readyReason('from-cm', 'ConfigMapNotFound')).message).toBe(
      `ConfigMap 'from-cm-bpmn' does not exist in namespace '${NS}'`,
    );
    const xml = hello.replace('id="hello"', 'id="from-cm"');
    cluster.kubectl(['apply', '-f', '-'], cm(xml));
    await readyReason('from-cm', 'Deployed');
    cluster.kubectl(['apply', '-f', '-'], cm(xml.replace('name="Greet"', 'name="Greet again"')));
    await until('version 2 from the ConfigMap', () => (get('from-cm').status?.version === 2 ? true : undefined));
  });

  it('reports invalid BPMN as Validated=False/InvalidBPMN naming the element and line', async () => {
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('broken', hello.replace('id="hello"', 'id="broken"').replace('type="hello.greet"', 'type=""')),
    );
    const ready = await readyReason('broken', 'InvalidBPMN');
    expect(ready.message).toMatch(/line \d+, element 'greet': zeebe:taskDefinition type must not be empty/);
    expect(condition('broken', 'Validated')).toMatchObject({ status: 'False', reason: 'InvalidBPMN' });
    expect(condition('broken', 'Stalled')).toMatchObject({ status: 'True' });
  });

  it('refuses a job type the SandboxPolicy does not allow (TaskTypeNotAllowed)', async () => {
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest(
        'mailer',
        hello.replace('id="hello"', 'id="mailer"').replace('type="hello.reply"', 'type="send-email"'),
        { sandboxPolicyRef: { name: 'hello' } },
      ),
    );
    const ready = await readyReason('mailer', 'TaskTypeNotAllowed');
    expect(ready.message).toBe("job type 'send-email' not allowed by SandboxPolicy 'hello'");
    const zbc = sdkClient(engine.grpc);
    await expect(zbc.createProcessInstance({ bpmnProcessId: 'mailer', variables: {} })).rejects.toThrow(/5 NOT_FOUND/);
    await zbc.close(500);
  });

  const engineInstances = async (): Promise<
    { bpmnProcessId: string; version: number; variables: Record<string, unknown> }[]
  > =>
    (await (await fetch(`${engine.monitoring}/v1/process-instances`)).json()) as {
      bpmnProcessId: string;
      version: number;
      variables: Record<string, unknown>;
    }[];

  async function waitAsync<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; operator log: ${operator.logFile}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('starts one instance per new version with startOnDeploy', async () => {
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('booted', hello.replace('id="hello"', 'id="booted"'), {
        startOnDeploy: { enabled: true, variables: { name: 'boot' } },
      }),
    );
    await readyReason('booted', 'Deployed');
    const booted = await waitAsync('the boot instance', async () => {
      const found = (await engineInstances()).filter((i) => i.bpmnProcessId === 'booted');
      return found.length ? found : undefined;
    });
    expect(booted).toHaveLength(1);
    expect(booted[0]?.variables).toEqual({ name: 'boot' });
    // An unchanged spec re-reconciled (new label) deploys nothing and starts nothing.
    cluster.kubectl(['label', 'procosprocess', 'booted', '-n', NS, 'touched=yes']);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await engineInstances()).filter((i) => i.bpmnProcessId === 'booted')).toHaveLength(1);
    expect(get('booted').status?.version).toBe(1);
  });

  it('deletionPolicy Delete removes the definition from the engine; Retain leaves it', async () => {
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('doomed', hello.replace('id="hello"', 'id="doomed"'), { deletionPolicy: 'Delete' }),
    );
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('kept', hello.replace('id="hello"', 'id="kept"'), { deletionPolicy: 'Retain' }),
    );
    await readyReason('doomed', 'Deployed');
    await readyReason('kept', 'Deployed');
    expect(get('doomed').metadata.finalizers).toEqual(['procos.io/engine-cleanup']);
    expect(get('kept').metadata.finalizers ?? []).toEqual([]);
    cluster.kubectl(['delete', 'procosprocess', 'doomed', 'kept', '-n', NS, '--timeout=30s']);
    const zbc = sdkClient(engine.grpc);
    await expect(zbc.createProcessInstance({ bpmnProcessId: 'doomed', variables: {} })).rejects.toThrow(/5 NOT_FOUND/);
    await expect(zbc.createProcessInstance({ bpmnProcessId: 'kept', variables: {} })).resolves.toMatchObject({
      bpmnProcessId: 'kept',
    });
    await zbc.close(500);
  });

  it('engine down: Ready=False/EngineUnavailable, retried with backoff; engine back: Ready again by itself', async () => {
    await engine.kill('SIGTERM');
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('during-outage', hello.replace('id="hello"', 'id="during-outage"')),
    );
    const down = await readyReason('during-outage', 'EngineUnavailable');
    expect(down.status).toBe('False');
    expect(condition('during-outage', 'Reconciling')).toMatchObject({ status: 'True' });
    engine = await spawnEngine(engineArgs);
    await readyReason('during-outage', 'Deployed');
    // No hot loop: the failed attempts while the engine was down stay few.
    const retries = readFileSync(operator.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('reconcile failed') && l.includes('during-outage')).length;
    expect(retries).toBeLessThan(15);
  }, 60_000);

  it('two replicas: one leads; when it dies the other takes over within the lease duration', async () => {
    const standby = spawnOperator({
      kubeconfig: cluster.kubeconfigPath,
      engineAddress: engine.grpc,
      identity: 'op-b',
      logDir,
      leaseDurationSeconds: 6,
    });
    try {
      const holder = () =>
        (
          JSON.parse(cluster.kubectl(['get', 'lease', 'procos-operator', '-n', 'procos-system', '-o', 'json'])) as {
            spec: { holderIdentity?: string };
          }
        ).spec.holderIdentity;
      await new Promise((r) => setTimeout(r, 2000));
      expect(holder()).toBe('op-a');
      await operator.kill('SIGKILL');
      const killedAt = Date.now();
      await until('op-b to lead', () => (holder() === 'op-b' ? true : undefined), 20_000);
      expect(Date.now() - killedAt).toBeLessThan(6000 + 4000);
      operator = standby;
      cluster.kubectl(
        ['apply', '-f', '-'],
        processManifest('after-failover', hello.replace('id="hello"', 'id="after-failover"')),
      );
      await readyReason('after-failover', 'Deployed');
    } catch (err) {
      await standby.kill('SIGKILL');
      throw err;
    }
  }, 60_000);

  it('kill -9 of the operator mid-reconcile: a new one converges, with no duplicate deployment', async () => {
    const names = Array.from({ length: 80 }, (_, i) => `burst-${i}`);
    const readyNow = (): number => {
      const list = JSON.parse(cluster.kubectl(['get', 'procosprocesses', '-n', NS, '-o', 'json'])) as {
        items: (ProcessView & { metadata: { name: string } })[];
      };
      return list.items.filter(
        (p) =>
          p.metadata.name.startsWith('burst-') &&
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
    };
    // Kill as soon as the burst is under way, while kubectl is still creating it.
    const applying = cluster.kubectlAsync(
      ['apply', '-f', '-'],
      names.map((n) => processManifest(n, hello.replace('id="hello"', `id="${n}"`))).join('---\n'),
    );
    await until('the first of the burst to be Ready', () => (readyNow() > 0 ? true : undefined));
    await operator.kill('SIGKILL');
    const readyBefore = readyNow();
    await applying;
    operator = spawnOperator({
      kubeconfig: cluster.kubeconfigPath,
      engineAddress: engine.grpc,
      identity: 'op-d',
      logDir,
      leaseDurationSeconds: 6,
    });
    for (const n of names) await readyReason(n, 'Deployed');
    expect(names.map((n) => get(n).status?.version)).toEqual(names.map(() => 1));
    expect(readyBefore, 'the kill should land mid-burst').toBeLessThan(names.length);
  }, 120_000);

  it('recovers when kube-apiserver restarts: later changes are still reconciled', async () => {
    if (!cluster.controlPlane) return expect(process.env.E2E_KUBECONFIG).toBeDefined();
    // A lease that outlasts the apiserver restart, so this is about informers, not failover.
    await operator.kill('SIGTERM');
    operator = spawnOperator({
      kubeconfig: cluster.kubeconfigPath,
      engineAddress: engine.grpc,
      identity: 'op-c',
      logDir,
      leaseDurationSeconds: 60,
    });
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('before-restart', hello.replace('id="hello"', 'id="before-restart"')),
    );
    await readyReason('before-restart', 'Deployed');
    await cluster.controlPlane.restartApiserver();
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('after-restart', hello.replace('id="hello"', 'id="after-restart"')),
    );
    await readyReason('after-restart', 'Deployed');
  }, 120_000);
});
