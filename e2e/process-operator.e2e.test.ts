// The operator on a real control plane with procos-engine on loopback: ProcOSProcess from
// apply to Ready, versions, invalid specs, deletion policies, engine outages, leadership,
// startOnDeploy across crashes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../lib/testing/temp-dir.js';
import { stringify } from 'yaml';
import { freePort } from '../lib/net/free-port.js';
import { spawnEngine, type EngineProcess } from '../engine/testing/engine-process.js';
import { waitFor } from '../lib/testing/wait-for.js';
import { projectRoot } from '../lib/cli/version.js';
import { sdkClient } from '../lib/zeebe/sdk-client.js';
import { installCrds, useCluster, type TestCluster } from './cluster/test-cluster.js';
import { engineEventCount, engineInstances } from './testing/engine-observer.js';
import { httpGet } from './testing/http-get.js';
import { spawnOperator, type OperatorProcess } from './testing/operator-process.js';

const NS = 'procos-operator-e2e';
/** The built-in control plane can be restarted from here; an E2E_KUBECONFIG cluster cannot. */
const hasControlPlane = !process.env.E2E_KUBECONFIG;
/** The operator's --concurrency default: at most this many reconciles are in flight at a kill. */
const CONCURRENCY = 8;
const hello = readFileSync(join(projectRoot(), 'processes/hello.bpmn'), 'utf8');

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface ProcessView {
  metadata: { finalizers?: string[]; generation: number; uid: string; resourceVersion: string };
  status?: {
    checksum?: string;
    startOnDeploy?: { phase: string; version: number; processInstanceKey?: string; message?: string };
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
  const logDir = tempDir('procos-operator-e2e-');
  const engineDataDir = tempDir('procos-e2e-engine-');

  const get = (name: string): ProcessView =>
    JSON.parse(cluster.kubectl(['get', 'procosprocess', name, '-n', NS, '-o', 'json'])) as ProcessView;
  const condition = (name: string, type: string): Condition | undefined =>
    get(name).status?.conditions?.find((c) => c.type === type);
  /** Waits for an observable condition; the deadline only bounds a failure, which names what did not happen. */
  const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000) =>
    waitFor(() => `${what} (operator log: ${operator.logFile})`, probe, { timeoutMs, everyMs: 200 });
  const start = (identity: string, o: { leaseDurationSeconds?: number; env?: Record<string, string> } = {}) =>
    spawnOperator({
      kubeconfig: cluster.kubeconfigPath,
      engineAddress: engine.grpc,
      identity,
      logDir,
      leaseDurationSeconds: o.leaseDurationSeconds ?? 6,
      logLevel: 'debug',
      env: o.env,
    });
  /** Until the operator logged a finished reconcile of `name` at (or past) resourceVersion `rv`. */
  const reconciledAt = (name: string, rv: string) =>
    until(`a reconcile of ${name} at resourceVersion ${rv}`, () =>
      operator
        .log()
        .find(
          (l) =>
            l.msg === 'reconciled' && l.name === name && l.namespace === NS && Number(l.resourceVersion) >= Number(rv),
        ),
    );
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
      dataDir: engineDataDir,
    };
    engine = await spawnEngine(engineArgs);
    operator = start('op-a');
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
    const running = await engineInstances(engine.monitoring, 'hello');
    expect(running.some((i) => i.version === 1)).toBe(true);
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('hello', hello.replace('name="Greet"', 'name="Greet warmly"'), {
        sandboxPolicyRef: { name: 'hello' },
      }),
    );
    await until('version 2', () => (get('hello').status?.version === 2 ? true : undefined));
    const after = await engineInstances(engine.monitoring, 'hello');
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
    const xml = hello.replaceAll('"hello"', '"from-cm"');
    cluster.kubectl(['apply', '-f', '-'], cm(xml));
    await readyReason('from-cm', 'Deployed');
    cluster.kubectl(['apply', '-f', '-'], cm(xml.replace('name="Greet"', 'name="Greet again"')));
    await until('version 2 from the ConfigMap', () => (get('from-cm').status?.version === 2 ? true : undefined));
  });

  it('reports invalid BPMN as Validated=False/InvalidBPMN naming the element and line', async () => {
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('broken', hello.replaceAll('"hello"', '"broken"').replace('type="hello.greet"', 'type=""')),
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
        hello.replaceAll('"hello"', '"mailer"').replace('type="hello.reply"', 'type="send-email"'),
        { sandboxPolicyRef: { name: 'hello' } },
      ),
    );
    const ready = await readyReason('mailer', 'TaskTypeNotAllowed');
    expect(ready.message).toBe("job type 'send-email' not allowed by SandboxPolicy 'hello'");
    const zbc = sdkClient(engine.grpc);
    await expect(zbc.createProcessInstance({ bpmnProcessId: 'mailer', variables: {} })).rejects.toThrow(/5 NOT_FOUND/);
    await zbc.close(500);
  });

  it('starts one instance per new version with startOnDeploy', async () => {
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('booted', hello.replaceAll('"hello"', '"booted"'), {
        startOnDeploy: { enabled: true, variables: { name: 'boot' } },
      }),
    );
    await until('the boot instance recorded as Started', () =>
      get('booted').status?.startOnDeploy?.phase === 'Started' ? true : undefined,
    );
    const booted = await engineInstances(engine.monitoring, 'booted');
    expect(booted).toHaveLength(1);
    expect(booted[0]?.processInstanceKey).toBe(get('booted').status?.startOnDeploy?.processInstanceKey);
    expect(booted[0]?.variables).toEqual({ name: 'boot', procosStartKey: `${get('booted').metadata.uid}/1` });
    // An unchanged spec re-reconciled (new label) deploys nothing and starts nothing.
    const deploys = await engineEventCount(engine.monitoring, 'DEPLOYMENT_CREATED');
    cluster.kubectl(['label', 'procosprocess', 'booted', '-n', NS, 'touched=yes']);
    const labelled = get('booted').metadata.resourceVersion;
    expect((await reconciledAt('booted', labelled)).plan).toBe('upToDate');
    expect(await engineInstances(engine.monitoring, 'booted')).toHaveLength(1);
    expect(await engineEventCount(engine.monitoring, 'DEPLOYMENT_CREATED')).toBe(deploys);
    expect(get('booted').status?.version).toBe(1);
  });

  it('the apiserver refuses a status apply on a stale resourceVersion (what the start record relies on)', async () => {
    cluster.kubectl(['apply', '-f', '-'], processManifest('stale-rv', hello.replaceAll('"hello"', '"stale-rv"')));
    await readyReason('stale-rv', 'Deployed');
    const stale = get('stale-rv').metadata.resourceVersion;
    cluster.kubectl(['label', 'procosprocess', 'stale-rv', '-n', NS, 'stale=yes']);
    const r = cluster.tryKubectl(
      ['apply', '--server-side', '--force-conflicts', '--subresource=status', '--field-manager=procos-e2e', '-f', '-'],
      JSON.stringify({
        apiVersion: 'procos.io/v1alpha1',
        kind: 'ProcOSProcess',
        metadata: { name: 'stale-rv', namespace: NS, resourceVersion: stale },
        status: { checksum: 'stale' },
      }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('the object has been modified');
    expect(get('stale-rv').status?.checksum).not.toBe('stale');
  });

  it('rapid edits with startOnDeploy: exactly one instance per deployed version', async () => {
    const xml = (i: number) => hello.replaceAll('"hello"', '"rapid"').replace('name="Greet"', `name="Greet ${i}"`);
    const edits = 15;
    for (let i = 0; i < edits; i++)
      cluster.kubectl(['apply', '-f', '-'], processManifest('rapid', xml(i), { startOnDeploy: { enabled: true } }));
    const last = createHash('sha256')
      .update(xml(edits - 1))
      .digest('hex');
    const status = await until('the last edit deployed and its instance started', () => {
      const s = get('rapid').status;
      return s?.checksum === last && s.startOnDeploy?.phase === 'Started' && s.startOnDeploy.version === s.version
        ? s
        : undefined;
    });
    const versions = status.version ?? 0;
    expect(versions).toBeGreaterThan(1);
    const instances = await engineInstances(engine.monitoring, 'rapid');
    expect(instances.map((i) => i.version).sort((a, b) => a - b)).toEqual(
      Array.from({ length: versions }, (_, i) => i + 1),
    );
  }, 120_000);

  it('deletionPolicy Delete removes the definition from the engine; Retain leaves it', async () => {
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('doomed', hello.replaceAll('"hello"', '"doomed"'), { deletionPolicy: 'Delete' }),
    );
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('kept', hello.replaceAll('"hello"', '"kept"'), { deletionPolicy: 'Retain' }),
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
      processManifest('during-outage', hello.replaceAll('"hello"', '"during-outage"')),
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

  it('two replicas: one leads; when it dies the other takes over', async () => {
    const standby = start('op-b');
    try {
      const holder = () =>
        (
          JSON.parse(cluster.kubectl(['get', 'lease', 'procos-operator', '-n', 'procos-system', '-o', 'json'])) as {
            spec: { holderIdentity?: string };
          }
        ).spec.holderIdentity;
      await until('op-b to stand by for the lease', () =>
        standby.log().some((l) => l.msg === 'waiting for leadership') ? true : undefined,
      );
      expect(holder()).toBe('op-a');
      const standbyReady = await until('op-b to serve /readyz', async () => {
        const url = standby.monitoring();
        return url ? await httpGet(`${url}/readyz`) : undefined;
      });
      // Ready to take over: a rolling update of a 2-replica Deployment waits on this.
      expect(standbyReady).toMatchObject({ status: 200, body: 'ok (standby)' });
      await operator.kill('SIGKILL');
      // Generous: this bounds a failure only (the lease is 6 s); no timing is asserted.
      await until('op-b to lead after op-a was killed', () => (holder() === 'op-b' ? true : undefined), 90_000);
      operator = standby;
      cluster.kubectl(
        ['apply', '-f', '-'],
        processManifest('after-failover', hello.replaceAll('"hello"', '"after-failover"')),
      );
      await readyReason('after-failover', 'Deployed');
    } catch (err) {
      await standby.kill('SIGKILL');
      throw err;
    }
  }, 120_000);

  it('kill -9 of the operator mid-reconcile: a new one converges, with no duplicate deployment', async () => {
    const deploysBefore = await engineEventCount(engine.monitoring, 'DEPLOYMENT_CREATED');
    const versionsBefore = await engineEventCount(engine.monitoring, 'PROCESS_DEPLOYED');
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
      names.map((n) => processManifest(n, hello.replaceAll('"hello"', `"${n}"`))).join('---\n'),
    );
    await until('the first of the burst to be Ready', () => (readyNow() > 0 ? true : undefined));
    await operator.kill('SIGKILL');
    const readyBefore = readyNow();
    await applying;
    operator = start('op-d');
    for (const n of names) await readyReason(n, 'Deployed');
    expect(names.map((n) => get(n).status?.version)).toEqual(names.map(() => 1));
    expect(readyBefore, 'the kill should land mid-burst').toBeLessThan(names.length);
    // One version per process, and deploy commands: one per process, plus at most one identical
    // redeploy for each reconcile that was in flight when the operator was killed.
    expect((await engineEventCount(engine.monitoring, 'PROCESS_DEPLOYED')) - versionsBefore).toBe(names.length);
    const deploys = (await engineEventCount(engine.monitoring, 'DEPLOYMENT_CREATED')) - deploysBefore;
    expect(deploys).toBeGreaterThanOrEqual(names.length);
    expect(deploys).toBeLessThanOrEqual(names.length + CONCURRENCY);
  }, 180_000);

  it('kill -9 between creating the startOnDeploy instance and recording it: still exactly one instance', async () => {
    await operator.kill('SIGTERM');
    const crashing = start('op-crash', { env: { PROCOS_TEST_CRASH_AFTER: 'instance-created' } });
    cluster.kubectl(
      ['apply', '-f', '-'],
      processManifest('crashy', hello.replaceAll('"hello"', '"crashy"'), { startOnDeploy: { enabled: true } }),
    );
    const end = await waitFor('op-crash to kill itself after creating the instance', () =>
      crashing.alive ? undefined : crashing.exited,
    );
    expect(end.signal).toBe('SIGKILL');
    expect(get('crashy').status?.startOnDeploy?.phase).toBe('Starting');
    expect(await engineInstances(engine.monitoring, 'crashy')).toHaveLength(1);
    operator = start('op-e');
    const record = await until('the next operator to resolve the interrupted start', () => {
      const r = get('crashy').status?.startOnDeploy;
      return r?.phase === 'Starting' ? undefined : r;
    });
    expect(record.phase).toBe('Unconfirmed');
    expect(record.message).toContain(`procosStartKey="${get('crashy').metadata.uid}/1"`);
    expect(condition('crashy', 'Ready')).toMatchObject({ status: 'True', reason: 'Deployed' });
    expect(await engineInstances(engine.monitoring, 'crashy')).toHaveLength(1);
    const events = JSON.parse(
      cluster.kubectl(['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=crashy', '-o', 'json']),
    ) as { items: { reason: string }[] };
    expect(events.items.map((e) => e.reason)).toContain('StartOnDeployUnconfirmed');
  }, 120_000);

  it('fails fast, naming the command to run, when the lease namespace does not exist', async () => {
    const lost = spawnOperator({
      kubeconfig: cluster.kubeconfigPath,
      engineAddress: engine.grpc,
      identity: 'op-no-namespace',
      logDir,
      leaseNamespace: 'no-such-namespace',
    });
    const end = await waitFor('the operator to exit', () => (lost.alive ? undefined : lost.exited), {
      timeoutMs: 60_000,
    });
    expect(end.code).toBe(1);
    expect(readFileSync(lost.logFile, 'utf8')).toContain(
      "the leader-election namespace 'no-such-namespace' does not exist: create it with `kubectl create namespace no-such-namespace`",
    );
  });

  it.skipIf(!hasControlPlane)(
    'recovers when kube-apiserver restarts: later changes are still reconciled (built-in control plane only: an E2E_KUBECONFIG cluster cannot be restarted from here)',
    async () => {
      const controlPlane = cluster.controlPlane;
      if (!controlPlane) throw new Error('the built-in control plane is not running');
      // A lease that outlasts the apiserver restart, so this is about informers, not failover.
      await operator.kill('SIGTERM');
      operator = start('op-c', { leaseDurationSeconds: 60 });
      cluster.kubectl(
        ['apply', '-f', '-'],
        processManifest('before-restart', hello.replaceAll('"hello"', '"before-restart"')),
      );
      await readyReason('before-restart', 'Deployed');
      await controlPlane.restartApiserver();
      cluster.kubectl(
        ['apply', '-f', '-'],
        processManifest('after-restart', hello.replaceAll('"hello"', '"after-restart"')),
      );
      await readyReason('after-restart', 'Deployed');
    },
    120_000,
  );
});
