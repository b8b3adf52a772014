// bench/pool: the WorkerPool controller on a real control plane with KWOK nodes (pods "run"
// without images), procos-engine as the backlog source. Prints, each against a baseline of the
// same run (no thresholds):
// 1. Operator cost: 200 WorkerPools (+ 500 ProcOSProcesses) to Ready, against the apiserver,
//    controller-manager and KWOK bringing 200 plain Deployments to ready; apiserver requests per
//    pool reconcile; operator RSS; apiserver requests per minute at rest (no hot loop).
// 2. Scale reaction: from a backlog spike (jobs created in the engine) to desiredReplicas in
//    status and to readyReplicas, against the backlog poll interval and against the Deployment
//    controller scaling a plain Deployment to the same size.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Camunda8 } from '@camunda8/sdk';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { freePort } from '../../lib/net/free-port.js';
import { startControlPlane } from '../../e2e/cluster/control-plane.js';
import { spawnOperator } from '../../e2e/testing/operator-process.js';
import { spawnEngine } from '../../engine/testing/engine-process.js';
import { projectRoot } from '../../lib/cli/version.js';
import { Informer } from '../../operator/runtime/informer.js';
import { KubeClient, resourcePath, type KubeObject } from '../../operator/runtime/kube-client.js';
import { apiserverRequests, successfulReconciles } from '../operator-metrics.js';
import { rssMb } from '../process-stats.js';

const quick = process.argv.includes('--quick');
const POOLS = quick ? 50 : 200;
const PROCESSES = quick ? 100 : 500;
const POLL_SECONDS = 2;
const root = projectRoot();
const hello = readFileSync(join(root, 'processes/hello.bpmn'), 'utf8');

type Status = { conditions?: { type: string; status: string }[]; readyReplicas?: number; desiredReplicas?: number };
type Watched = KubeObject & { status?: Status };

// 110 pods per KWOK node: the plain Deployments, the pools and the spike pool all fit.
const cp = await startControlPlane({ nodes: Math.ceil((2 * POOLS + 10) / 100) });
const engineDataDir = mkdtempSync(join(tmpdir(), 'procos-pb-'));
const logDir = mkdtempSync(join(tmpdir(), 'procos-pb-logs-'));
const engine = await spawnEngine({ port: await freePort(), monitoringPort: await freePort(), dataDir: engineDataDir });
const client = await KubeClient.fromKubeconfig(cp.kubeconfigPath);
const watch = async (path: string): Promise<Informer<Watched>> => {
  const i = new Informer<Watched>(client, { path }, pino({ level: 'warn' }));
  await i.start();
  return i;
};
const until = async (what: string, done: () => boolean, timeoutMs = 300_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const ready = (o: Watched): boolean =>
  Boolean(o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

try {
  cp.kubectl(['apply', '--server-side', '-f', join(root, 'crds')]);
  cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  for (const ns of ['bench', 'baseline', 'procos-system']) cp.kubectl(['create', 'namespace', ns]);

  // Baseline 1: the same number of plain one-replica Deployments, made ready by the
  // controller-manager and KWOK (what every pool's Deployment also goes through).
  const deployments = await watch(resourcePath('apps/v1', 'deployments', 'baseline'));
  const plain = (i: number, replicas = 1) =>
    stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `plain-${i}`, namespace: 'baseline' },
      spec: {
        replicas,
        selector: { matchLabels: { app: `plain-${i}` } },
        template: {
          metadata: { labels: { app: `plain-${i}` } },
          spec: { containers: [{ name: 'c', image: 'procos.local/procos-worker:0.1.0' }] },
        },
      },
    });
  const t0 = performance.now();
  cp.kubectl(['apply', '-f', '-'], Array.from({ length: POOLS }, (_, i) => plain(i)).join('---\n'));
  await until(
    'plain Deployments ready',
    () => deployments.list().filter((d) => d.status?.readyReplicas === 1).length === POOLS,
  );
  const baselineS = (performance.now() - t0) / 1000;

  const operator = spawnOperator({
    kubeconfig: cp.kubeconfigPath,
    engineAddress: engine.grpc,
    identity: 'bench',
    logDir,
    args: [
      '--backlog-source',
      'procos-engine',
      '--backlog-url',
      engine.monitoring,
      '--backlog-poll-seconds',
      String(POLL_SECONDS),
    ],
  });
  const metrics = () => apiserverRequests(operator);
  const reconciles = (kind: string) => successfulReconciles(operator, kind);
  const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  await until('the operator serving /metrics', () => operator.monitoring() !== undefined, 60_000);
  await until('the operator leading', () => operator.log().some((l) => l.msg === 'operator running'), 60_000);

  const pools = await watch(resourcePath('procos.io/v1alpha1', 'workerpools', 'bench'));
  const pool = (i: number, scaling: Record<string, number> = { min: 1, max: 3 }) =>
    stringify({
      apiVersion: 'procos.io/v1alpha1',
      kind: 'WorkerPool',
      metadata: { name: `pool-${i}`, namespace: 'bench' },
      spec: {
        taskTypes: [`bench.type-${i}`],
        handlers: [{ taskType: `bench.type-${i}`, adapter: 'format', config: { template: 'x', output: 'result' } }],
        scaling,
      },
    });
  const before = await metrics();
  const reconcilesBefore = await reconciles('WorkerPool');
  const t1 = performance.now();
  cp.kubectl(['apply', '-f', '-'], Array.from({ length: POOLS }, (_, i) => pool(i)).join('---\n'));
  await until('pools Ready', () => pools.list().filter(ready).length === POOLS);
  const poolsS = (performance.now() - t1) / 1000;
  const after = await metrics();
  const poolReconciles = (await reconciles('WorkerPool')) - reconcilesBefore;

  const processes = Array.from({ length: PROCESSES }, (_, i) =>
    stringify({
      apiVersion: 'procos.io/v1alpha1',
      kind: 'ProcOSProcess',
      metadata: { name: `proc-${i}`, namespace: 'bench' },
      spec: { bpmn: { inline: hello.replaceAll('"hello"', `"proc-${i}"`) } },
    }),
  );
  const procs = await watch(resourcePath('procos.io/v1alpha1', 'procosprocesses', 'bench'));
  cp.kubectl(['apply', '-f', '-'], processes.join('---\n'));
  await until('processes Ready', () => procs.list().filter(ready).length === PROCESSES);
  const rss = rssMb(operator.child.pid);

  // At rest: every pool still polls the backlog every POLL_SECONDS; nothing changes, so nothing is written.
  const restStart = await metrics();
  const restReconcilesStart = await reconciles('WorkerPool');
  const restMs = quick ? 20_000 : 60_000;
  await new Promise((r) => setTimeout(r, restMs));
  const restEnd = await metrics();
  const restRequests = total(restEnd) - total(restStart);
  const restVerbs = [...restEnd]
    .map(([v, n]) => `${v} ${(((n - (restStart.get(v) ?? 0)) * 60_000) / restMs).toFixed(1)}`)
    .join(', ');
  const restReconciles = (await reconciles('WorkerPool')) - restReconcilesStart;

  // Scale reaction: 100 jobs for a pool at zero (target 20 per replica → 5 replicas).
  const spikePool = pool(POOLS, { min: 0, max: 5, targetBacklogPerReplica: 20 });
  cp.kubectl(['apply', '-f', '-'], spikePool);
  const spike = (): Watched | undefined => pools.get(`bench/pool-${POOLS}`);
  await until('the spike pool Ready at zero', () => Boolean(spike() && ready(spike() as Watched)));
  const zeebe = new Camunda8({
    ZEEBE_GRPC_ADDRESS: `grpc://${engine.grpc}`,
    CAMUNDA_AUTH_STRATEGY: 'NONE',
    CAMUNDA_SECURE_CONNECTION: false,
  }).getZeebeGrpcApiClient();
  const spikeBpmn = readFileSync(join(root, 'workers/testdata/one-task.bpmn'), 'utf8')
    .replace(/one-task/g, 'spike')
    .replace(/work\.item/g, `bench.type-${POOLS}`);
  await zeebe.deployResource({ name: 'spike.bpmn', process: Buffer.from(spikeBpmn) });
  const t2 = performance.now();
  await Promise.all(
    Array.from({ length: 100 }, () => zeebe.createProcessInstance({ bpmnProcessId: 'spike', variables: {} })),
  );
  await until('desiredReplicas 5', () => spike()?.status?.desiredReplicas === 5);
  const desiredS = (performance.now() - t2) / 1000;
  await until('readyReplicas 5', () => spike()?.status?.readyReplicas === 5);
  const readyS = (performance.now() - t2) / 1000;
  await zeebe.close();
  // Baseline: the Deployment controller and KWOK scaling a plain Deployment from 0 to 5.
  cp.kubectl(['-n', 'baseline', 'scale', 'deployment', 'plain-0', '--replicas=0']);
  await until('plain-0 at zero', () => (deployments.get('baseline/plain-0')?.status?.readyReplicas ?? 0) === 0);
  const t3 = performance.now();
  cp.kubectl(['-n', 'baseline', 'scale', 'deployment', 'plain-0', '--replicas=5']);
  await until('plain-0 ready at 5', () => deployments.get('baseline/plain-0')?.status?.readyReplicas === 5);
  const plainScaleS = (performance.now() - t3) / 1000;

  const perReconcile = (total(after) - total(before)) / Math.max(1, poolReconciles);
  const verbs = [...after].map(([v, n]) => `${v} ${((n - (before.get(v) ?? 0)) / POOLS).toFixed(2)}`).join(', ');
  console.log(`${POOLS} plain Deployments ready (controller-manager + KWOK): ${baselineS.toFixed(1)} s`);
  console.log(`${POOLS} WorkerPools Ready through the operator: ${poolsS.toFixed(1)} s`);
  console.log(`ratio pools ÷ plain Deployments: ${(poolsS / baselineS).toFixed(2)}`);
  console.log(
    `apiserver requests per pool: ${((total(after) - total(before)) / POOLS).toFixed(1)} (${verbs}); per pool reconcile: ${perReconcile.toFixed(2)} (${poolReconciles} reconciles)`,
  );
  console.log(`operator RSS with ${POOLS} pools and ${PROCESSES} processes: ${rss.toFixed(0)} MB (target ≤ 150 MB)`);
  console.log(
    `at rest for ${restMs / 1000} s: ${((restRequests * 60_000) / restMs).toFixed(1)} apiserver requests/min, ` +
      `(${restVerbs}; the Lease renewals are part of it), ` +
      `${((restReconciles * 60_000) / restMs).toFixed(0)} pool reconciles/min (backlog polled every ${POLL_SECONDS} s)`,
  );
  console.log(
    `scale reaction 0 → 5 on a backlog of 100: desiredReplicas after ${desiredS.toFixed(1)} s ` +
      `(${(desiredS / POLL_SECONDS).toFixed(2)} × the ${POLL_SECONDS} s poll interval), readyReplicas after ${readyS.toFixed(1)} s ` +
      `(from desired to ready ${(readyS - desiredS).toFixed(1)} s: ${((readyS - desiredS) / plainScaleS).toFixed(2)} × a plain ` +
      `Deployment scaled 0 → 5, ${plainScaleS.toFixed(1)} s)`,
  );
  pools.stop();
  procs.stop();
  deployments.stop();
  await operator.kill('SIGTERM');
} catch (err) {
  // What the operator said last is the first thing to read when a phase never ends.
  for (const f of readdirSync(logDir))
    process.stderr.write(
      `--- ${f} (last 20 lines)\n${readFileSync(join(logDir, f), 'utf8').split('\n').slice(-21).join('\n')}\n`,
    );
  throw err;
} finally {
  await engine.kill('SIGTERM');
  await cp.stop();
  for (const dir of [engineDataDir, logDir]) rmSync(dir, { recursive: true, force: true });
}
