// The kernel on a cluster (issue 13): the system processes of processes/, applied with the real
// `kubectl apply -k processes/`, run under the operator — its leader serves procos.system.* and
// starts the root orchestrator. Observed through the engine's history: the root's boot check,
// health monitoring finding a pool that cannot be Ready (its pods ask more CPU than a KWOK node
// has), error recovery restarting it (the Deployment's pod template rolls), an escalated failure
// and the shutdown announcement becoming Events.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEngine, type EngineProcess } from '../engine/testing/engine-process.js';
import type { InstanceRecord } from '../engine/monitoring/instance-history.js';
import { projectRoot } from '../lib/cli/version.js';
import { freePort } from '../lib/net/free-port.js';
import { tempDir } from '../lib/testing/temp-dir.js';
import { waitFor } from '../lib/testing/wait-for.js';
import { sdkClient, type ZeebeGrpcClient } from '../lib/zeebe/sdk-client.js';
import { installCrds, useCluster, type TestCluster } from './cluster/test-cluster.js';
import { engineInstances } from './testing/engine-observer.js';
import { httpGet } from './testing/http-get.js';
import { spawnOperator, type OperatorProcess } from './testing/operator-process.js';

const NS = 'procos-kernel';
const BROKEN = 'unschedulable-workers';
/** The pool's Deployment (operator/controllers/pool/worker-objects.ts names it). */
const BROKEN_DEPLOYMENT = `${BROKEN}-worker`;
const ROOT_INSTANCE = 'procos.io/root-instance';
const RESTARTED_AT = 'procos.io/restartedAt';

interface EventView {
  type: string;
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string; namespace?: string };
}

describe('the kernel on a cluster: processes/ run under the operator', () => {
  let cluster: TestCluster;
  let engine: EngineProcess;
  let operator: OperatorProcess;
  let zbc: ZeebeGrpcClient;
  const logDir = tempDir('procos-kernel-e2e-');

  const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000) =>
    waitFor(() => `${what} (operator log: ${operator.logFile})`, probe, { timeoutMs, everyMs: 250 });
  /** The instances of a process, most recent first (summaries: no elements). */
  const history = async (bpmnProcessId: string): Promise<InstanceRecord[]> =>
    JSON.parse(
      (await httpGet(`${engine.monitoring}/v1/history/process-instances?bpmnProcessId=${bpmnProcessId}&limit=1000`))
        .body,
    ) as InstanceRecord[];
  /** One instance with its elements and jobs. */
  const instance = async (key: string): Promise<InstanceRecord> =>
    JSON.parse((await httpGet(`${engine.monitoring}/v1/history/process-instances/${key}`)).body) as InstanceRecord;
  /** The most recent instance of a process (of its last 20) in which element `elementId`'s job was completed. */
  const completedJob = async (bpmnProcessId: string, elementId: string): Promise<InstanceRecord | undefined> => {
    for (const s of (await history(bpmnProcessId)).slice(0, 20)) {
      const i = await instance(s.processInstanceKey);
      if (i.elements.some((e) => e.elementId === elementId && e.job?.state === 'completed')) return i;
    }
    return undefined;
  };
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names what kubectl returns
  const getJson = <T>(args: string[]): T => JSON.parse(cluster.kubectl([...args, '-o', 'json'])) as T;
  const events = (reason: string): EventView[] =>
    getJson<{ items: EventView[] }>(['get', 'events', '-n', NS, '--field-selector', `reason=${reason}`]).items;
  const templateRestartedAt = (): string | undefined =>
    getJson<{ spec: { template: { metadata: { annotations?: Record<string, string> } } } }>([
      'get',
      'deployment',
      BROKEN_DEPLOYMENT,
      '-n',
      NS,
    ]).spec.template.metadata.annotations?.[RESTARTED_AT];

  beforeAll(async () => {
    cluster = await useCluster();
    installCrds(cluster, join(projectRoot(), 'crds'));
    cluster.kubectl(['create', 'namespace', NS]);
    cluster.kubectl(['create', 'namespace', 'procos-system']);
    engine = await spawnEngine({
      port: await freePort(),
      monitoringPort: await freePort(),
      dataDir: tempDir('procos-kernel-e2e-engine-'),
    });
    zbc = sdkClient(engine.grpc);
    operator = spawnOperator({
      kubeconfig: cluster.kubeconfigPath,
      engineAddress: engine.grpc,
      identity: 'kernel-a',
      logDir,
      leaseDurationSeconds: 6,
      args: ['--health-interval-seconds', '5'],
    });
  }, 900_000);

  afterAll(async () => {
    await zbc.close(2000);
    await operator.kill('SIGTERM');
    await engine.kill('SIGTERM');
    await cluster.stop();
  });

  it('starts the root orchestrator of `kubectl apply -k processes/` and its boot check completes', async () => {
    cluster.kubectl(['apply', '-k', join(projectRoot(), 'processes'), '-n', NS]);
    // A pool that cannot become Ready here: each worker asks more CPU than any node has.
    cluster.kubectl(
      ['apply', '-n', NS, '-f', '-'],
      JSON.stringify({
        apiVersion: 'procos.io/v1alpha1',
        kind: 'WorkerPool',
        metadata: { name: BROKEN },
        spec: {
          sandboxPolicyRef: { name: 'procos-system' },
          taskTypes: ['request.unschedulable'],
          handlers: [{ taskType: 'request.unschedulable', adapter: 'format', config: { template: 'x', output: 'r' } }],
          replicas: 1,
          resources: { requests: { cpu: '100' } },
        },
      }),
    );
    const rootKey = await until(
      'the root orchestrator recorded on ProcOSProcess procos-root',
      () =>
        getJson<{ metadata: { annotations?: Record<string, string> } }>([
          'get',
          'procosprocess',
          'procos-root',
          '-n',
          NS,
        ]).metadata.annotations?.[ROOT_INSTANCE],
    );
    const root = await until('the root orchestrator running in the engine', async () =>
      (await engineInstances(engine.monitoring, 'procos-root')).find((i) => i.processInstanceKey === rootKey),
    );
    expect(root.variables).toMatchObject({ system: 'procos', monitoring: { interval: 'R/PT5S' } });
    const booted = await until('the boot check (procos.system.check) completed by the operator', async () => {
      const i = await instance(rootKey);
      return i.elements.some((e) => e.elementId === 'initialize' && e.job?.state === 'completed') ? i : undefined;
    });
    expect(booted.elements.find((e) => e.elementId === 'initialize')?.job).toMatchObject({
      type: 'procos.system.check',
      worker: 'procos-kernel',
    });
    // The system processes see their kernel job types as served.
    const workers = getJson<{ status: { conditions: { type: string; status: string }[] } }>([
      'get',
      'procosprocess',
      'procos-root',
      '-n',
      NS,
    ]).status.conditions.find((c) => c.type === 'WorkersAvailable');
    expect(workers?.status).toBe('True');
    expect(operator.log().filter((l) => l.msg === 'root orchestrator started')).toHaveLength(1);
  });

  it('health monitoring finds the pool that cannot be Ready and error recovery rolls its workers', async () => {
    const checked = await until('a health monitoring run that raised failures', () =>
      completedJob('procos-health-monitor', 'raise'),
    );
    expect(checked.elements.find((e) => e.elementId === 'check')?.job?.state).toBe('completed');
    // What the check said, read where the root keeps it (the boot check's output).
    const root = (await engineInstances(engine.monitoring, 'procos-root'))[0];
    const health = root?.variables.health as { components: { component: string; healthy: boolean; detail: string }[] };
    expect(health.components.find((c) => c.component === 'engine')?.healthy).toBe(true);
    expect(health.components.find((c) => c.component === `pool/${BROKEN}`)).toMatchObject({ healthy: false });
    await until('an error recovery that restarted a component', () => completedJob('procos-error-recovery', 'restart'));
    const first = await until(`deployment ${BROKEN_DEPLOYMENT}'s pod template restarted`, () => templateRestartedAt());
    await until(`deployment ${BROKEN_DEPLOYMENT} restarted again by the next health check`, () => {
      const now = templateRestartedAt();
      return now !== undefined && now !== first ? now : undefined;
    });
    const replicaSets = getJson<{ items: { metadata: { ownerReferences?: { name: string }[] } }[] }>([
      'get',
      'replicasets',
      '-n',
      NS,
    ]).items.filter((r) => r.metadata.ownerReferences?.some((o) => o.name === BROKEN_DEPLOYMENT));
    expect(replicaSets.length).toBeGreaterThan(1);
  });

  it('an escalated failure becomes a Warning Event on the process that raised it', async () => {
    await zbc.publishMessage({
      name: 'procos.component-failed',
      correlationKey: 'procos',
      variables: { failure: { component: 'pool/no-such-pool', severity: 'high', error: 'reported by the e2e test' } },
      timeToLive: 0,
    });
    const alert = await until('a SystemAlert Event', () =>
      events('SystemAlert').find((e) => e.message.includes('pool/no-such-pool')),
    );
    expect(alert).toMatchObject({
      type: 'Warning',
      involvedObject: { kind: 'ProcOSProcess', name: 'procos-error-recovery', namespace: NS },
    });
    expect(alert.message).toMatch(
      /^critical: pool\/no-such-pool is down \(high, attempt 1\): reported by the e2e test/,
    );
  });

  it('a restart of an unknown component completes with what was (not) done', async () => {
    await zbc.publishMessage({
      name: 'procos.component-failed',
      correlationKey: 'procos',
      variables: { failure: { component: 'pool/no-such-pool', severity: 'medium', error: 'reported by the e2e test' } },
      timeToLive: 0,
    });
    await until('the restart of pool/no-such-pool answered, not thrown', () =>
      operator.log().find((l) => l.msg.startsWith('no component pool/no-such-pool to restart')),
    );
    expect(operator.log().filter((l) => l.msg === 'kernel job failed')).toEqual([]);
  });

  it('procos.shutdown ends the root orchestrator but stops nothing on a cluster, and is announced as an Event', async () => {
    const rootKey = (await engineInstances(engine.monitoring, 'procos-root'))[0]?.processInstanceKey;
    await zbc.publishMessage({ name: 'procos.shutdown', correlationKey: 'procos', variables: {}, timeToLive: 10_000 });
    const ended = await until('the root orchestrator ended', async () => {
      const i = await instance(rootKey ?? '');
      return i.state === 'completed' ? i : undefined;
    });
    expect(ended.elements.find((e) => e.elementId === 'shutdown')?.state).toBe('completed');
    const announced = await until('the shutdown announcement as an Event', () =>
      events('SystemAlert').find((e) => e.message.includes('the system is shutting down')),
    );
    expect(announced).toMatchObject({ type: 'Normal', involvedObject: { name: 'procos-shutdown' } });
    // The operator still runs and reconciles.
    expect(operator.alive).toBe(true);
  });
});
