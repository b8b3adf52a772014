// WorkerPool (issue 11) on a real control plane with a real node: the operator turns a pool into
// a ConfigMap, a Deployment of procos-worker and a NetworkPolicy; the worker pods run under the
// Restricted pod security level on containerd and work jobs of procos-engine (reached on the
// node's address); the built-in scaler follows the engine's backlog from zero and back, without
// losing or doubling a job when pods go away mid-job; kubectl scale and an HPA take the count
// over through the scale subresource; SandboxPolicy refusals; WorkersAvailable on processes;
// an operator killed mid-scale converges.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { freePort } from '../lib/net/free-port.js';
import { spawnEngine, type EngineProcess } from '../engine/testing/engine-process.js';
import { buildImages } from '../images/build.js';
import { projectRoot } from '../lib/cli/version.js';
import { tempDir } from '../lib/testing/temp-dir.js';
import { waitFor, waitUntil } from '../lib/testing/wait-for.js';
import { sdkClient } from '../lib/zeebe/sdk-client.js';
import { NODE_IP } from './cluster/node-network.js';
import { installCrds, useCluster, type TestCluster } from './cluster/test-cluster.js';
import { engineEventCount, engineInstances } from './testing/engine-observer.js';
import { httpGet } from './testing/http-get.js';
import { startJobServer, type JobServer } from './testing/held-job-server.js';
import { spawnOperator, type OperatorProcess } from './testing/operator-process.js';
import {
  conditionOf,
  poolObserver,
  probePort,
  type PodView,
  type PoolObserver,
  type PoolView,
} from './testing/pool-observer.js';

const NS = 'procos-pools';
const POLICY = 'workers';
const oneTask = readFileSync(join(projectRoot(), 'workers/testdata/one-task.bpmn'), 'utf8');
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** What the Restricted pod security level asks of every container. */
const restrictedContainer = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

/** one-task.bpmn with its process id and its one job type renamed. */
const bpmn = (processId: string, taskType: string): string =>
  oneTask.replace(/one-task/g, processId).replace(/work\.item/g, taskType);

function processManifest(name: string, processId: string, taskType: string): string {
  return JSON.stringify({
    apiVersion: 'procos.io/v1alpha1',
    kind: 'ProcOSProcess',
    metadata: { name, namespace: NS },
    spec: { bpmn: { inline: bpmn(processId, taskType) }, sandboxPolicyRef: { name: POLICY } },
  });
}

const poolObject = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'procos.io/v1alpha1',
  kind: 'WorkerPool',
  metadata: { name, namespace: NS },
  spec,
});
const poolManifest = (name: string, spec: Record<string, unknown>): string => JSON.stringify(poolObject(name, spec));

/** A pool of one format handler: it renders `template` into the variable `greeting`, no service needed. */
function formatSpec(taskType: string, template: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    taskTypes: [taskType],
    handlers: [{ taskType, adapter: 'format', config: { template, output: 'greeting' } }],
    sandboxPolicyRef: { name: POLICY },
    ...extra,
  };
}

// Worker pods must reach the engine and the test's HTTP service on our node's address: an
// E2E_KUBECONFIG cluster's pods cannot reach processes of this test run.
describe.skipIf(process.env.E2E_KUBECONFIG)('WorkerPool controller (real node, real worker pods)', () => {
  let cluster: TestCluster;
  let engine: EngineProcess;
  let operator: OperatorProcess;
  let jobs: JobServer;
  let obs: PoolObserver;
  let workerImage: string;
  /** How worker pods reach the engine: its gRPC port on the node's address. */
  let workerEngine: string;
  const logDir = tempDir('procos-pool-e2e-');
  const engineDataDir = tempDir('procos-pool-e2e-engine-');
  const BURST = 500;
  /** What beforeAll started, to stop in afterAll. */
  const stops: (() => Promise<void>)[] = [];

  let engineArgs: { port: number; monitoringPort: number; dataDir: string };
  /** The engine bound beyond loopback, so pods reach it on the node's address (as the engine image does). */
  const startEngine = async (): Promise<void> => {
    engine = await spawnEngine({ ...engineArgs, host: '0.0.0.0' });
  };
  const startOperator = (identity: string): OperatorProcess =>
    spawnOperator({
      kubeconfig: cluster.kubeconfigPath,
      engineAddress: engine.grpc,
      identity,
      logDir,
      leaseDurationSeconds: 6,
      logLevel: 'debug',
      args: [
        '--worker-image',
        workerImage,
        '--worker-engine-address',
        workerEngine,
        '--backlog-source',
        'procos-engine',
        '--backlog-url',
        engine.monitoring,
        '--backlog-poll-seconds',
        '2',
      ],
    });
  const where = (): string => `operator log: ${operator.logFile}`;
  /** Reads the pool until `done` holds; a timeout shows the last status seen. */
  const poolUntil = (name: string, what: string, done: (p: PoolView) => boolean, timeoutMs = 180_000) =>
    waitUntil(
      () => `WorkerPool ${name}: ${what} (${where()})`,
      () => obs.pool(name),
      (p): p is PoolView => p !== undefined && done(p),
      { timeoutMs, everyMs: 250 },
    );
  const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 180_000) =>
    waitFor(() => `${what} (${where()})`, probe, { timeoutMs, everyMs: 250 });
  const readyWith = (reason: string) => (p: PoolView) =>
    conditionOf(p, 'Ready')?.status === 'True' &&
    conditionOf(p, 'Ready')?.reason === reason &&
    p.status?.observedGeneration === p.metadata.generation;
  const processCondition = (name: string, type: string) => conditionOf(obs.process(name), type);
  const livePods = (pool: string): PodView[] => obs.pods(pool).filter((p) => !p.terminating);
  const deletePools = (...names: string[]): void =>
    void cluster.kubectl(['-n', NS, 'delete', 'workerpool', ...names, '--wait=true', '--timeout=120s']);

  beforeAll(async () => {
    cluster = await useCluster({ realNode: true });
    stops.push(() => cluster.stop());
    const [worker] = await buildImages({ names: ['worker'] });
    if (!worker) throw new Error('no worker image was built');
    workerImage = worker.tag;
    cluster.controlPlane?.node?.importImage(worker.archive);
    installCrds(cluster, join(projectRoot(), 'crds'));
    cluster.kubectl(['create', 'namespace', NS]);
    // The apiserver's PodSecurity admission refuses worker pods that are not Restricted.
    cluster.kubectl(['label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted']);
    cluster.kubectl(['create', 'namespace', 'procos-system']);
    cluster.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'procos.io/v1alpha1',
        kind: 'SandboxPolicy',
        metadata: { name: POLICY, namespace: NS },
        spec: { allowedTaskTypes: ['e2e.*'] },
      }),
    );
    obs = poolObserver(cluster, NS);

    engineArgs = { port: await freePort('0.0.0.0'), monitoringPort: await freePort(), dataDir: engineDataDir };
    await startEngine();
    stops.push(() => engine.kill('SIGTERM'));
    workerEngine = `grpc://${NODE_IP}:${engineArgs.port}`;
    jobs = await startJobServer({ port: await freePort(NODE_IP), delayMs: 200, total: BURST, hold: 6 });
    stops.push(() => jobs.close());
    operator = startOperator('op-a');
    // The operator of the moment: a test replaces it.
    stops.push(() => operator.kill('SIGTERM'));
  }, 900_000);

  afterAll(async () => {
    // Last started, first stopped; only what beforeAll got to start.
    for (const stop of stops.reverse()) await stop();
  });

  it('a pool becomes a ConfigMap, a Deployment and a NetworkPolicy it controls; its Restricted pod turns Ready and completes the jobs of its type', async () => {
    cluster.kubectl(['apply', '-f', '-'], processManifest('greet', 'e2e-greet', 'e2e.greet'));
    // Deployed, but no pool serves its job type yet.
    const unserved = await until('ProcOSProcess greet reporting WorkersAvailable False', () => {
      const c = processCondition('greet', 'WorkersAvailable');
      return c?.status === 'False' ? c : undefined;
    });
    expect(unserved).toMatchObject({
      reason: 'UnservedJobTypes',
      message: expect.stringContaining('e2e.greet') as unknown,
    });

    cluster.kubectl(['apply', '-f', '-'], poolManifest('greet', formatSpec('e2e.greet', 'hello {{ name }}')));
    const pool = await poolUntil('greet', 'Ready True (Available)', readyWith('Available'));
    expect(pool.status).toMatchObject({
      replicas: 1,
      readyReplicas: 1,
      desiredReplicas: 1,
      selector: 'procos.io/pool=greet',
      isolation: 'None',
    });

    // Everything it made carries its label and a controlling ownerReference to it.
    const controller = {
      apiVersion: 'procos.io/v1alpha1',
      kind: 'WorkerPool',
      name: 'greet',
      uid: pool.metadata.uid,
      controller: true,
    };
    const owned = obs.owned('greet');
    expect(owned.configMaps.map((o) => o.metadata.name)).toEqual(['greet-worker-config']);
    expect(owned.deployments.map((o) => o.metadata.name)).toEqual(['greet-worker']);
    expect(owned.networkPolicies.map((o) => o.metadata.name)).toEqual(['greet-worker']);
    expect(owned.podDisruptionBudgets).toEqual([]); // one replica: a PDB would block every drain
    for (const o of [...owned.configMaps, ...owned.deployments, ...owned.networkPolicies]) {
      expect(o.metadata.ownerReferences).toEqual([expect.objectContaining(controller)]);
      expect(o.metadata.labels).toMatchObject({
        'procos.io/pool': 'greet',
        'app.kubernetes.io/managed-by': 'procos-operator',
      });
    }

    // The pool file the worker reads: the pool and its policy.
    const poolFile = obs.configMapData('greet-worker-config')?.['pool.yaml'] ?? '';
    const docs = parseAllDocuments(poolFile).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['WorkerPool/greet', `SandboxPolicy/${POLICY}`]);

    const d = obs.deployment('greet');
    const template = d?.spec.template;
    expect(template?.metadata.annotations?.['procos.io/config-sha256']).toBe(sha256(poolFile));
    expect(template?.spec.terminationGracePeriodSeconds).toBe(35);
    expect(template?.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const worker = template?.spec.containers.find((c) => c.name === 'worker');
    if (!worker) throw new Error(`no container named worker in ${JSON.stringify(template?.spec)}`);
    expect(worker).toMatchObject({ image: workerImage, imagePullPolicy: 'IfNotPresent' });
    const args = worker.args ?? [];
    expect(args[args.indexOf('--pool') + 1], `--pool in ${args.join(' ')}`).toBe('/etc/procos/pool/pool.yaml');
    expect(worker.env).toContainEqual({ name: 'ZEEBE_GRPC_ADDRESS', value: workerEngine });
    expect(worker.readinessProbe?.httpGet?.path).toBe('/ready');
    expect(worker.livenessProbe?.httpGet?.path).toBe('/health');
    expect(probePort(worker, 'readinessProbe')).toBe(9464);
    expect(probePort(worker, 'livenessProbe')).toBe(9464);
    expect(worker.securityContext).toMatchObject(restrictedContainer);

    const pods = obs.pods('greet');
    expect(pods).toEqual([expect.objectContaining({ ready: true, terminating: false, image: workerImage })]);

    // A job of its type, worked by the pod.
    const zbc = sdkClient(engine.grpc);
    try {
      const result = await zbc.createProcessInstanceWithResult({
        bpmnProcessId: 'e2e-greet',
        variables: { name: 'e2e' },
      });
      expect(result.variables).toMatchObject({ greeting: 'hello e2e' });
    } finally {
      await zbc.close(500);
    }
    await until('ProcOSProcess greet reporting WorkersAvailable True', () =>
      processCondition('greet', 'WorkersAvailable')?.status === 'True' ? true : undefined,
    );
    expect(obs.column('procosprocess', 'greet', 'WORKERS')).toBe('True');
  }, 300_000);

  it('a handler change changes the checksum on the pod template and rolls the pod', async () => {
    const [old] = livePods('greet');
    if (!old) throw new Error('the pool of the previous test has no pod');
    const oldSum = obs.deployment('greet')?.spec.template.metadata.annotations?.['procos.io/config-sha256'];
    cluster.kubectl(['apply', '-f', '-'], poolManifest('greet', formatSpec('e2e.greet', 'hi {{ name }}')));

    const newFile = await until('the ConfigMap holding the new template', () => {
      const file = obs.configMapData('greet-worker-config')?.['pool.yaml'];
      return file?.includes('hi {{ name }}') ? file : undefined;
    });
    const newSum = obs.deployment('greet')?.spec.template.metadata.annotations?.['procos.io/config-sha256'];
    expect(newSum).toBe(sha256(newFile));
    expect(newSum).not.toBe(oldSum);
    const [fresh] = await until('a new pod Ready, the old one gone', () => {
      const pods = obs.pods('greet');
      return pods.length === 1 && pods[0]?.ready && pods[0].name !== old.name ? pods : undefined;
    });
    expect(fresh?.name).not.toBe(old.name);
    await poolUntil('greet', 'Ready True (Available) after the roll', readyWith('Available'));

    const zbc = sdkClient(engine.grpc);
    try {
      const result = await zbc.createProcessInstanceWithResult({
        bpmnProcessId: 'e2e-greet',
        variables: { name: 'e2e' },
      });
      expect(result.variables).toMatchObject({ greeting: 'hi e2e' });
    } finally {
      await zbc.close(500);
    }
    deletePools('greet');
  }, 300_000);

  it('bad input: a handler config the adapter refuses leaves the running pod alone; a missing Secret holds the rollout until it exists; a missing image is ImagePullFailed', async () => {
    cluster.kubectl(['apply', '-f', '-'], poolManifest('tidy', formatSpec('e2e.tidy', 'hello {{ name }}')));
    await poolUntil('tidy', 'Ready True (Available)', readyWith('Available'));
    const [running] = livePods('tidy');
    if (!running) throw new Error('pool tidy is Ready without a pod');
    const generation = obs.deployment('tidy')?.metadata.generation;
    const setConfig = (config: Record<string, unknown>): void =>
      void cluster.kubectl([
        '-n',
        NS,
        'patch',
        'workerpool',
        'tidy',
        '--type=json',
        '-p',
        JSON.stringify([{ op: 'replace', path: '/spec/handlers/0/config', value: config }]),
      ]);
    setConfig({ template: 'hello {{ name }}', output: '' });
    const refused = await poolUntil(
      'tidy',
      'Ready False (InvalidHandlerConfig)',
      (p) =>
        conditionOf(p, 'Ready')?.reason === 'InvalidHandlerConfig' &&
        p.status?.observedGeneration === p.metadata.generation,
    );
    // Checked with the adapter's own schema, naming handler and field; the workers keep running the old config.
    expect(conditionOf(refused, 'Ready')?.message).toMatch(/^spec\.handlers\[0\] \(e2e\.tidy\)\.config\.output: /);
    expect(obs.deployment('tidy')?.metadata.generation).toBe(generation);
    expect(livePods('tidy')).toEqual([expect.objectContaining({ name: running.name, ready: true })]);
    setConfig({ template: 'hello again {{ name }}', output: 'greeting' });
    await poolUntil('tidy', 'Ready True again', readyWith('Available'));

    // secretRefs: nothing is rolled out while the Secret is missing; once it exists, the worker reads it.
    cluster.kubectl(
      ['apply', '-f', '-'],
      poolManifest(
        'secretive',
        formatSpec('e2e.secret', '{{ secrets.GREETING }} {{ name }}', { secretRefs: [{ name: 'greetings' }] }),
      ),
    );
    const waiting = await poolUntil(
      'secretive',
      'Ready False (SecretNotFound)',
      (p) => conditionOf(p, 'Ready')?.reason === 'SecretNotFound',
    );
    expect(conditionOf(waiting, 'Ready')?.message).toContain(
      "Secret(s) greetings in spec.secretRefs do not exist in namespace 'procos-pools'",
    );
    expect(obs.deployment('secretive')).toBeUndefined();
    cluster.kubectl(['-n', NS, 'create', 'secret', 'generic', 'greetings', '--from-literal', 'GREETING=bonjour']);
    await poolUntil('secretive', 'Ready True once the Secret exists', readyWith('Available'));
    const zbc = sdkClient(engine.grpc);
    try {
      await zbc.deployResource({ name: 'e2e-secret.bpmn', process: Buffer.from(bpmn('e2e-secret', 'e2e.secret')) });
      const result = await zbc.createProcessInstanceWithResult({
        bpmnProcessId: 'e2e-secret',
        variables: { name: 'e2e' },
      });
      // The value came from the mounted Secret; the worker redacts secret values from what it sends back.
      expect(result.variables).toMatchObject({ greeting: '[redacted] e2e' });
    } finally {
      await zbc.close(500);
    }

    // An image nobody can pull: the pod's state, in the pool's words.
    cluster.kubectl(
      ['apply', '-f', '-'],
      poolManifest('noimage', formatSpec('e2e.noimage', 'x', { image: 'procos.local/does-not-exist:1' })),
    );
    const pull = await poolUntil(
      'noimage',
      'Ready False (ImagePullFailed)',
      (p) => conditionOf(p, 'Ready')?.reason === 'ImagePullFailed',
    );
    expect(conditionOf(pull, 'Degraded')).toMatchObject({ status: 'True', reason: 'ImagePullFailed' });
    expect(conditionOf(pull, 'Ready')?.message).toMatch(/image procos\.local\/does-not-exist:1 cannot be pulled/);
    deletePools('tidy', 'secretive', 'noimage');
  }, 300_000);

  it('scales with the backlog from zero to max and back to zero; pods removed mid-job lose and double nothing', async () => {
    cluster.kubectl(['apply', '-f', '-'], processManifest('burst', 'e2e-burst', 'e2e.burst'));
    cluster.kubectl(
      ['apply', '-f', '-'],
      poolManifest('burst', {
        taskTypes: ['e2e.burst'],
        handlers: [
          {
            taskType: 'e2e.burst',
            adapter: 'http',
            // The job's activation outlasts the held requests (a scale-down window and a drain).
            timeoutSeconds: 120,
            config: { url: `${jobs.url}/work/{{ n }}`, timeoutSeconds: 100, resultVariable: 'answer' },
          },
        ],
        sandboxPolicyRef: { name: POLICY },
        scaling: {
          min: 0,
          max: 3,
          targetBacklogPerReplica: 5,
          scaleUpCooldownSeconds: 5,
          scaleDownCooldownSeconds: 15,
        },
      }),
    );
    await until('ProcOSProcess burst deployed', () =>
      processCondition('burst', 'Ready')?.status === 'True' ? true : undefined,
    );
    const idle = await poolUntil('burst', 'Ready True (Idle) at zero replicas', readyWith('Idle'));
    expect(idle.status).toMatchObject({ desiredReplicas: 0, replicas: 0, backlog: 0 });
    expect(conditionOf(idle, 'Scaling')).toMatchObject({ status: 'True' });
    expect(obs.deployment('burst')?.spec.replicas).toBe(0);
    expect(obs.pods('burst')).toEqual([]);

    const completedBefore = await engineEventCount(engine.monitoring, 'JOB_COMPLETED');
    const createdBefore = await engineEventCount(engine.monitoring, 'JOB_CREATED');
    const timedOutBefore = await engineEventCount(engine.monitoring, 'JOB_TIMED_OUT');
    const zbc = sdkClient(engine.grpc);
    try {
      for (let batch = 0; batch < BURST; batch += 50)
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            zbc.createProcessInstance({ bpmnProcessId: 'e2e-burst', variables: { n: batch + i } }),
          ),
        );
    } finally {
      await zbc.close(500);
    }

    const up = await poolUntil('burst', 'desiredReplicas 3', (p) => p.status?.desiredReplicas === 3);
    // The reading behind it: more than two replicas' worth of waiting jobs of the pool's type.
    expect(up.status?.backlog).toBeGreaterThan(10);
    expect(up.status?.backlogByType).toContainEqual({ taskType: 'e2e.burst', backlog: up.status?.backlog });
    expect(conditionOf(up, 'Scaling')).toMatchObject({ status: 'True' });
    const ups = obs.events('WorkerPool', 'burst').filter((e) => e.reason === 'ScaledUp');
    expect(ups.map((e) => e.message)).toContainEqual(expect.stringMatching(/^backlog \d+ > 5 per replica: [0-2] → 3$/));

    // Every pod that goes away gets its held jobs answered while it drains.
    const idleAgain = await poolUntil(
      'burst',
      'back to Ready True (Idle) with no pod left',
      (p) => {
        for (const pod of obs.pods('burst')) if (pod.terminating && pod.ip) jobs.releaseFrom(pod.ip);
        return readyWith('Idle')(p) && obs.pods('burst').length === 0;
      },
      400_000,
    );
    expect(idleAgain.status).toMatchObject({ desiredReplicas: 0, replicas: 0, readyReplicas: 0 });
    expect(obs.deployment('burst')?.spec.replicas).toBe(0);
    const downs = obs.events('WorkerPool', 'burst').filter((e) => e.reason === 'ScaledDown');
    expect(downs.map((e) => e.message)).toContainEqual(expect.stringMatching(/→ 0$/));

    // Every instance ran to its end, each job completed exactly once, and nothing is stuck.
    expect(await engineInstances(engine.monitoring, 'e2e-burst')).toEqual([]);
    expect((await engineEventCount(engine.monitoring, 'JOB_CREATED')) - createdBefore).toBe(BURST);
    expect((await engineEventCount(engine.monitoring, 'JOB_COMPLETED')) - completedBefore).toBe(BURST);
    expect(JSON.parse((await httpGet(`${engine.monitoring}/v1/incidents`)).body)).toEqual([]);
    // The service saw every item (a job retried after its pod went away may call it twice).
    expect([...jobs.requests.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: BURST }, (_, i) => i));
    expect(jobs.releasedAtTermination, 'some jobs were in flight on pods being removed').toBeGreaterThan(0);
    // Those finished during their pod's drain: none was abandoned to its activation timeout and run again.
    expect((await engineEventCount(engine.monitoring, 'JOB_TIMED_OUT')) - timedOutBefore).toBe(0);
    expect([...jobs.heldItems].map((n) => jobs.requests.get(n))).toEqual([...jobs.heldItems].map(() => 1));
    deletePools('burst');
  }, 900_000);

  it('kubectl scale fixes the count (Scaling False/Fixed) without restarting workers; removing spec.replicas hands it back; an HPA drives it through the scale subresource', async () => {
    const fixedSpec = formatSpec('e2e.fixed', 'fixed {{ name }}', {
      scaling: { min: 1, max: 4, scaleDownCooldownSeconds: 5 },
    });
    cluster.kubectl(['apply', '-f', '-'], poolManifest('fixed', fixedSpec));
    await poolUntil('fixed', 'Ready True (Available) with one replica', readyWith('Available'));
    const [first] = livePods('fixed');
    const checksum = () => obs.deployment('fixed')?.spec.template.metadata.annotations?.['procos.io/config-sha256'];
    const sumBefore = checksum();

    cluster.kubectl(['-n', NS, 'scale', 'workerpool/fixed', '--replicas=2']);
    const fixed = await poolUntil(
      'fixed',
      'two ready replicas, Scaling False (Fixed)',
      (p) => readyWith('Available')(p) && p.status?.readyReplicas === 2,
    );
    expect(conditionOf(fixed, 'Scaling')).toMatchObject({ status: 'False', reason: 'Fixed' });
    expect(fixed.status?.desiredReplicas).toBe(2);
    expect(obs.deployment('fixed')?.spec.replicas).toBe(2);
    expect(obs.owned('fixed').podDisruptionBudgets.map((o) => o.metadata.name)).toEqual(['fixed-worker']);
    // A count is not a config change: the running worker keeps running.
    expect.soft(checksum(), 'the pod template checksum after kubectl scale').toBe(sumBefore);
    expect
      .soft(
        livePods('fixed').map((p) => p.name),
        'the first worker pod after kubectl scale',
      )
      .toContain(first?.name);

    cluster.kubectl([
      '-n',
      NS,
      'patch',
      'workerpool',
      'fixed',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/spec/replicas"}]',
    ]);
    const handedBack = await poolUntil(
      'fixed',
      'the backlog scaler back at min (1), Scaling True',
      (p) =>
        conditionOf(p, 'Scaling')?.status === 'True' && p.status?.desiredReplicas === 1 && readyWith('Available')(p),
    );
    expect(handedBack.spec.replicas).toBeUndefined();
    await until('the PodDisruptionBudget gone at one replica', () =>
      obs.owned('fixed').podDisruptionBudgets.length === 0 ? true : undefined,
    );

    // The HPA leaves a target at zero replicas alone, so the count is set first; its range (2..2) then wins.
    cluster.kubectl(['-n', NS, 'scale', 'workerpool/fixed', '--replicas=1']);
    await poolUntil('fixed', 'Scaling False (Fixed) at 1', (p) => conditionOf(p, 'Scaling')?.reason === 'Fixed');
    cluster.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'fixed', namespace: NS },
        spec: {
          scaleTargetRef: { apiVersion: 'procos.io/v1alpha1', kind: 'WorkerPool', name: 'fixed' },
          minReplicas: 2,
          maxReplicas: 2,
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
          ],
        },
      }),
    );
    const byHpa = await poolUntil(
      'fixed',
      'the HPA setting spec.replicas 2 and two ready workers',
      (p) => p.spec.replicas === 2 && p.status?.readyReplicas === 2 && readyWith('Available')(p),
    );
    expect(conditionOf(byHpa, 'Scaling')).toMatchObject({ status: 'False', reason: 'Fixed' });
    expect(obs.deployment('fixed')?.spec.replicas).toBe(2);
    expect(obs.events('HorizontalPodAutoscaler', 'fixed').map((e) => e.reason)).toContain('SuccessfulRescale');
    cluster.kubectl(['-n', NS, 'delete', 'hpa', 'fixed']);
    deletePools('fixed');
  }, 400_000);

  it("the README's samples as written: policy, pool and process Ready together, every job type served; the policy lists its dependents", async () => {
    cluster.kubectl(['-n', NS, 'apply', '-f', join(projectRoot(), 'processes/samples/')]);
    // The README's command, as a user types it.
    cluster.kubectl([
      '-n',
      NS,
      'wait',
      '--for=condition=Ready',
      'workerpool/hello',
      'procosprocess/hello',
      '--timeout=180s',
    ]);
    await until('ProcOSProcess hello: every job type served', () =>
      processCondition('hello', 'WorkersAvailable')?.status === 'True' ? true : undefined,
    );
    expect(obs.column('procosprocess', 'hello', 'WORKERS')).toBe('True');
    expect(obs.column('workerpool', 'hello', 'READY')).toBe('True');
    const policy = await until('SandboxPolicy hello listing its pool and its process', () => {
      const p = JSON.parse(cluster.kubectl(['-n', NS, 'get', 'sandboxpolicy', 'hello', '-o', 'json'])) as {
        status?: { workerPools?: string[]; processes?: string[]; conditions?: { type: string; status: string }[] };
      };
      return p.status?.workerPools?.length && p.status.processes?.length ? p.status : undefined;
    });
    expect(policy).toMatchObject({ workerPools: ['hello'], processes: ['hello'] });
    expect(policy.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));

    // Narrowing the policy: pool and process say why at once, and the running workers are left alone.
    const [running] = livePods('hello');
    const generation = obs.deployment('hello')?.metadata.generation;
    const allow = (globs: string[]): void =>
      void cluster.kubectl([
        '-n',
        NS,
        'patch',
        'sandboxpolicy',
        'hello',
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { allowedTaskTypes: globs } }),
      ]);
    allow(['hello.greet']);
    const narrowed = await poolUntil(
      'hello',
      'Ready False (TaskTypeNotAllowed)',
      (p) => conditionOf(p, 'Ready')?.reason === 'TaskTypeNotAllowed',
    );
    expect(conditionOf(narrowed, 'Ready')?.message).toContain(
      "task type(s) hello.reply not allowed by SandboxPolicy 'hello'",
    );
    await until('ProcOSProcess hello reporting TaskTypeNotAllowed', () =>
      conditionOf(obs.process('hello'), 'Ready')?.reason === 'TaskTypeNotAllowed' ? true : undefined,
    );
    expect(obs.deployment('hello')?.metadata.generation).toBe(generation);
    expect(livePods('hello')).toEqual([expect.objectContaining({ name: running?.name, ready: true })]);
    allow(['hello.*']);
    await poolUntil('hello', 'Ready True again once the policy allows its types', readyWith('Available'));
    cluster.kubectl(['-n', NS, 'delete', '-f', join(projectRoot(), 'processes/samples/'), '--wait=true']);
  }, 300_000);

  it('refuses a task type its SandboxPolicy forbids and a missing policy, making no Deployment; WorkersAvailable follows a pool appearing and going', async () => {
    cluster.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          poolObject('mailer', formatSpec('mail.send', 'x')),
          poolObject('orphan', formatSpec('e2e.orphan', 'x', { sandboxPolicyRef: { name: 'no-such-policy' } })),
        ],
      }),
    );
    const mailer = await poolUntil('mailer', 'Ready False', (p) => conditionOf(p, 'Ready')?.status === 'False');
    expect(conditionOf(mailer, 'Ready')).toMatchObject({
      reason: 'TaskTypeNotAllowed',
      message: expect.stringContaining('mail.send') as unknown,
    });
    const orphan = await poolUntil('orphan', 'Ready False', (p) => conditionOf(p, 'Ready')?.status === 'False');
    expect(conditionOf(orphan, 'Ready')).toMatchObject({
      reason: 'PolicyNotFound',
      message: expect.stringContaining('no-such-policy') as unknown,
    });
    for (const name of ['mailer', 'orphan']) {
      expect(obs.deployment(name)).toBeUndefined();
      expect(obs.owned(name).configMaps).toEqual([]);
    }
    await until('a Warning Event TaskTypeNotAllowed on mailer', () =>
      obs.events('WorkerPool', 'mailer').find((e) => e.type === 'Warning' && e.reason === 'TaskTypeNotAllowed'),
    );

    cluster.kubectl(['apply', '-f', '-'], processManifest('audit', 'e2e-audit', 'e2e.audit'));
    const unserved = await until('ProcOSProcess audit: WorkersAvailable False', () => {
      const c = processCondition('audit', 'WorkersAvailable');
      return c?.status === 'False' ? c : undefined;
    });
    expect(unserved).toMatchObject({
      reason: 'UnservedJobTypes',
      message: expect.stringContaining('e2e.audit') as unknown,
    });
    expect(obs.column('procosprocess', 'audit', 'WORKERS')).toBe('False');

    // A pool at zero replicas is Ready (Idle): it scales up when jobs of its type wait.
    cluster.kubectl(['apply', '-f', '-'], poolManifest('audit', formatSpec('e2e.audit', 'x', { scaling: { min: 0 } })));
    await poolUntil('audit', 'Ready True (Idle)', readyWith('Idle'));
    await until('ProcOSProcess audit: WorkersAvailable True', () =>
      processCondition('audit', 'WorkersAvailable')?.status === 'True' ? true : undefined,
    );
    expect(obs.column('procosprocess', 'audit', 'WORKERS')).toBe('True');

    deletePools('audit');
    const gone = await until('ProcOSProcess audit: WorkersAvailable False after the pool is deleted', () => {
      const c = processCondition('audit', 'WorkersAvailable');
      return c?.status === 'False' ? c : undefined;
    });
    expect(gone).toMatchObject({
      reason: 'UnservedJobTypes',
      message: expect.stringContaining('e2e.audit') as unknown,
    });
    deletePools('mailer', 'orphan');
  }, 300_000);

  it('an operator killed (SIGKILL) mid-scale converges when restarted: one Deployment per pool, each at its size', async () => {
    cluster.kubectl(['apply', '-f', '-'], poolManifest('scaled', formatSpec('e2e.scaled', 'x', { replicas: 1 })));
    await poolUntil('scaled', 'Ready True (Available)', readyWith('Available'));
    const names = Array.from({ length: 20 }, (_, i) => `crash-${i}`);
    const crashDeployments = (): number =>
      cluster
        .kubectl(['-n', NS, 'get', 'deployments', '-o', 'name'])
        .split('\n')
        .filter((l) => l.startsWith('deployment.apps/crash-')).length;
    // One pool scaled 1 → 2 and twenty new ones, the kill landing as soon as the first is made.
    const applying = cluster.kubectlAsync(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          poolObject('scaled', formatSpec('e2e.scaled', 'x', { replicas: 2 })),
          ...names.map((n) => poolObject(n, formatSpec(`e2e.${n}`, 'x', { replicas: 0 }))),
        ],
      }),
    );
    await waitFor('the first Deployment of the burst', () => (crashDeployments() > 0 ? true : undefined), {
      timeoutMs: 60_000,
      everyMs: 50,
    });
    await operator.kill('SIGKILL');
    const atKill = crashDeployments();
    await applying;
    operator = startOperator('op-b');

    for (const n of names) await poolUntil(n, 'Ready True (Idle)', readyWith('Idle'));
    const scaled = await poolUntil(
      'scaled',
      'two ready replicas',
      (p) => readyWith('Available')(p) && p.status?.readyReplicas === 2,
    );
    expect(scaled.status?.desiredReplicas).toBe(2);
    expect(livePods('scaled')).toHaveLength(2);
    for (const n of [...names, 'scaled']) {
      const uid = obs.pool(n)?.metadata.uid;
      const owned = obs.owned(n);
      expect(
        owned.deployments.map((o) => o.metadata.name),
        n,
      ).toEqual([`${n}-worker`]);
      expect(
        owned.configMaps.map((o) => o.metadata.name),
        n,
      ).toEqual([`${n}-worker-config`]);
      expect(owned.networkPolicies, n).toHaveLength(1);
      expect(
        owned.deployments[0]?.metadata.ownerReferences?.filter((r) => r.controller),
        n,
      ).toEqual([expect.objectContaining({ kind: 'WorkerPool', name: n, uid })]);
    }
    expect(obs.deployment('scaled')?.spec.replicas).toBe(2);
    expect(atKill, 'the kill should land mid-burst').toBeLessThan(names.length);
    deletePools('scaled', ...names);
  }, 400_000);
  it('without a backlog reading a pool keeps its size (Scaling False/BacklogUnavailable, Degraded); with it back the scaler resumes', async () => {
    cluster.kubectl(['apply', '-f', '-'], poolManifest('blind', formatSpec('e2e.blind', 'x', { scaling: { min: 0 } })));
    await poolUntil('blind', 'Ready True (Idle)', readyWith('Idle'));
    await engine.kill('SIGTERM');
    try {
      const blind = await poolUntil(
        'blind',
        'Scaling False (BacklogUnavailable)',
        (p) => conditionOf(p, 'Scaling')?.reason === 'BacklogUnavailable',
      );
      expect(conditionOf(blind, 'Scaling')?.status).toBe('False');
      expect(conditionOf(blind, 'Degraded')).toMatchObject({ status: 'True', reason: 'BacklogUnavailable' });
      expect(blind.status?.desiredReplicas).toBe(0);
      expect(obs.deployment('blind')?.spec.replicas).toBe(0);
    } finally {
      await startEngine();
    }
    const back = await poolUntil('blind', 'Scaling True again', (p) => conditionOf(p, 'Scaling')?.status === 'True');
    expect(conditionOf(back, 'Degraded')?.status).toBe('False');
    expect(conditionOf(back, 'Ready')).toMatchObject({ status: 'True', reason: 'Idle' });
    deletePools('blind');
  }, 300_000);
});
