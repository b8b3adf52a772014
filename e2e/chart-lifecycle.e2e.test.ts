// The chart's whole life on a real node (kubelet + containerd, kube-proxy, CoreDNS): the dev
// preset installs to all Ready with real pods, a ProcOSProcess applied after it reaches Ready and
// its workers serve it — through the bundled engine, which lets in only callers with its token
// (issue 14: the operator, its backlog scaler and the workers have it; nobody else); `helm upgrade` to a new chart version (values and CRDs changed, CRDs by
// the README's documented command since Helm leaves them alone), `helm rollback`, and an
// uninstall that leaves only what the user keeps.
import { Camunda8 } from '@camunda8/sdk';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { buildImages } from '../images/build.js';
import { projectRoot } from '../lib/cli/version.js';
import { tempDir } from '../lib/testing/temp-dir.js';
import { waitFor } from '../lib/testing/wait-for.js';
import { buildBinaries } from './cluster/control-plane.js';
import { httpGet } from './testing/http-get.js';
import { useCluster, type TestCluster } from './cluster/test-cluster.js';
import { expectReleaseGone, helmRunner, type Helm } from './testing/helm.js';

const CHART = join(projectRoot(), 'charts/procos');
const NS = 'procos-dev';
const APPS = 'procos-apps';

interface Monitor {
  kind: string;
  metadata: { name: string };
  spec: {
    selector: { matchLabels: Record<string, string> };
    endpoints?: { port: string }[];
    podMetricsEndpoints?: { port: string }[];
  };
}

interface Deployment {
  metadata: { labels: Record<string, string> };
  spec: { template: { spec: { containers: { args: string[] }[] } } };
}

describe('the chart on a real node: install, serve, upgrade, rollback, uninstall', () => {
  let cluster: TestCluster;
  let helmBin: string;
  let previousChart: string;
  const helm: Helm = (args) => helmRunner(helmBin, () => cluster.kubeconfigPath)(args);
  const operatorDeployment = (): Deployment =>
    JSON.parse(cluster.kubectl(['-n', NS, 'get', 'deployment', 'dev-procos', '-o', 'json'])) as Deployment;
  const processReady = (): string =>
    cluster.tryKubectl([
      '-n',
      APPS,
      'get',
      'procosprocess',
      'hello',
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    ]).stdout;
  /** The bundled engine's token, as the chart's Secret holds it. */
  const engineToken = (): string =>
    Buffer.from(
      cluster.kubectl(['-n', NS, 'get', 'secret', 'dev-procos-engine-auth', '-o', 'jsonpath={.data.token}']),
      'base64',
    ).toString();
  const devValues = [
    '-f',
    join(projectRoot(), 'helm/values-dev.yaml'),
    // No storage provisioner on the test cluster: the engine's log on an emptyDir.
    '--set',
    'bundledEngine.persistence.enabled=false',
  ];

  beforeAll(async () => {
    cluster = await useCluster({ realNode: true });
    helmBin = process.env.E2E_KUBECONFIG ? 'helm' : join(cluster.controlPlane?.bin ?? buildBinaries(), 'helm');
    for (const image of await buildImages()) cluster.controlPlane?.node?.importImage(image.archive);
    // "The previous release": this chart as version 0.0.9, whose WorkerPool CRD lacks spec.maxJobsActive.
    previousChart = join(tempDir('procos-chart-'), 'procos');
    cpSync(CHART, previousChart, { recursive: true });
    const chartYaml = join(previousChart, 'Chart.yaml');
    writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace(/^version: .*$/m, 'version: 0.0.9'));
    const crdFile = join(previousChart, 'crds/procos.io_workerpools.yaml');
    const crd = parse(readFileSync(crdFile, 'utf8')) as {
      spec: {
        versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } } }[];
      };
    };
    for (const v of crd.spec.versions) delete v.schema.openAPIV3Schema.properties.spec.properties.maxJobsActive;
    writeFileSync(crdFile, stringify(crd));
  }, 900_000);
  afterAll(async () => cluster.stop());

  it('installs the dev preset to all Ready with real pods, and says how long it took', () => {
    const t0 = Date.now();
    const r = helm([
      'install',
      'dev',
      previousChart,
      '-n',
      NS,
      '--create-namespace',
      ...devValues,
      '--wait',
      '--timeout',
      '300s',
    ]);
    expect(r.code, r.out).toBe(0);
    const seconds = (Date.now() - t0) / 1000;
    const pods = JSON.parse(cluster.kubectl(['-n', NS, 'get', 'pods', '-o', 'json'])) as {
      items: {
        metadata: { name: string };
        spec: { nodeName: string };
        status: { conditions?: { type: string; status: string }[] };
      }[];
    };
    expect(pods.items.map((p) => p.metadata.name).sort()).toEqual([
      expect.stringMatching(/^dev-procos-[a-z0-9]+-[a-z0-9]+$/),
      'dev-procos-engine-0',
    ]);
    for (const p of pods.items) {
      expect(p.spec.nodeName, p.metadata.name).toBe(cluster.controlPlane?.node?.name ?? p.spec.nodeName);
      expect(p.status.conditions?.find((c) => c.type === 'Ready')?.status, p.metadata.name).toBe('True');
    }
    process.stdout.write(`helm install of the dev preset to all Ready on a real node: ${seconds.toFixed(1)} s\n`);
  });

  it('runs a ProcOSProcess applied after the install: Ready, and its workers (real pods) serve it', async () => {
    cluster.kubectl(['create', 'namespace', APPS]);
    for (const sample of ['sandboxpolicy', 'workerpool', 'procosprocess'])
      cluster.kubectl(['apply', '-n', APPS, '-f', join(projectRoot(), `processes/samples/${sample}.yaml`)]);
    await waitFor('ProcOSProcess hello Ready', () => (processReady() === 'True' ? true : undefined), {
      timeoutMs: 180_000,
    });
    await waitFor(
      'a hello worker pod Ready',
      () =>
        cluster
          .tryKubectl([
            '-n',
            APPS,
            'get',
            'pods',
            '-l',
            'app.kubernetes.io/managed-by=procos-operator',
            '-o',
            'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}',
          ])
          .stdout.includes('True')
          ? true
          : undefined,
      { timeoutMs: 180_000 },
    );
    // The engine through its Service's cluster IP (kube-proxy routes it, as for the workers).
    const engineIp = cluster.kubectl([
      '-n',
      NS,
      'get',
      'service',
      'dev-procos-engine',
      '-o',
      'jsonpath={.spec.clusterIP}',
    ]);
    // Without the token the engine's Service lets nobody in: gRPC UNAUTHENTICATED, the read API 401.
    const anonymous = new Camunda8({
      ZEEBE_GRPC_ADDRESS: `grpc://${engineIp}:26500`,
      CAMUNDA_AUTH_STRATEGY: 'NONE',
      CAMUNDA_SECURE_CONNECTION: false,
      zeebeGrpcSettings: { ZEEBE_GRPC_CLIENT_RETRY: false, ZEEBE_CLIENT_LOG_LEVEL: 'NONE' },
    } as never).getZeebeGrpcApiClient();
    try {
      await expect(
        anonymous.createProcessInstance({ bpmnProcessId: 'hello', variables: { name: 'Mallory' } }),
      ).rejects.toMatchObject({ code: 16 });
    } finally {
      await anonymous.close();
    }
    expect((await httpGet(`http://${engineIp}:9600/v1/jobs/backlog`)).status).toBe(401);
    expect((await httpGet(`http://${engineIp}:9600/v1/process-instances`)).status).toBe(401);
    // The workers have the token through a Secret their pool owns; their Deployment holds no value of it.
    const token = engineToken();
    const workerDeployment = cluster.kubectl(['-n', APPS, 'get', 'deployment', 'hello-worker', '-o', 'json']);
    expect(workerDeployment).not.toContain(token);
    const workerSpec = JSON.parse(workerDeployment) as {
      spec: { template: { spec: { containers: { envFrom?: { secretRef?: { name: string } }[] }[] } } };
    };
    expect(workerSpec.spec.template.spec.containers[0]?.envFrom).toEqual([
      { secretRef: { name: 'hello-worker-engine-auth' } },
    ]);
    const owned = JSON.parse(
      cluster.kubectl(['-n', APPS, 'get', 'secret', 'hello-worker-engine-auth', '-o', 'json']),
    ) as { metadata: { ownerReferences: { kind: string; name: string }[] }; data: Record<string, string> };
    expect(owned.metadata.ownerReferences).toMatchObject([{ kind: 'WorkerPool', name: 'hello' }]);
    expect(Object.keys(owned.data).sort()).toEqual(['CAMUNDA_AUTH_STRATEGY', 'CAMUNDA_OAUTH_TOKEN']);
    // The backlog scaler reads the (authenticated) read API: the pool shows a backlog, not BacklogUnavailable.
    const scaling = await waitFor(
      'the hello pool to report its backlog',
      () => {
        const pool = JSON.parse(cluster.kubectl(['-n', APPS, 'get', 'workerpool', 'hello', '-o', 'json'])) as {
          status?: { backlog?: number; conditions?: { type: string; status: string; reason: string }[] };
        };
        const c = pool.status?.conditions?.find((x) => x.type === 'Scaling');
        return pool.status?.backlog !== undefined && c ? c : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(scaling.reason).not.toBe('BacklogUnavailable');
    expect(scaling.status).toBe('True');

    const zeebe = new Camunda8({
      ZEEBE_GRPC_ADDRESS: `grpc://${engineIp}:26500`,
      CAMUNDA_AUTH_STRATEGY: 'BEARER',
      CAMUNDA_OAUTH_TOKEN: token,
      CAMUNDA_SECURE_CONNECTION: false,
    }).getZeebeGrpcApiClient();
    try {
      const result = await zeebe.createProcessInstanceWithResult({
        bpmnProcessId: 'hello',
        variables: { name: 'Ada', style: 'short' },
        requestTimeout: 120_000,
      });
      expect(result.variables).toMatchObject({ greeting: 'Hello, Ada!', reply: 'Hello, Ada! (short reply)' });
    } finally {
      await zeebe.close();
    }

    // What Prometheus would scrape through the chart's monitors: their selectors pick these very
    // pods and Service, and the named ports serve the metrics the alerts read.
    const monitors = parseAllDocuments(
      helm(['template', 'dev', CHART, '-n', NS, ...devValues, '--set', 'metrics.serviceMonitor.enabled=true']).out,
    ).map((d) => d.toJS() as Monitor | null);
    const workers = monitors.find((m) => m?.kind === 'PodMonitor');
    const engineMonitor = monitors.find((m) => m?.kind === 'ServiceMonitor' && m.metadata.name === 'dev-procos-engine');
    const selector = (m: Monitor | null | undefined): string =>
      Object.entries(m?.spec.selector.matchLabels ?? { none: 'none' })
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
    const pods = JSON.parse(cluster.kubectl(['-n', APPS, 'get', 'pods', '-l', selector(workers), '-o', 'json'])) as {
      items: {
        status: { podIP: string };
        spec: { containers: { ports?: { name: string; containerPort: number }[] }[] };
      }[];
    };
    expect(pods.items.length).toBeGreaterThan(0);
    // The job ran on one of the pool's pods: their counters add up to one completed hello.greet.
    let completed = 0;
    for (const pod of pods.items) {
      const port = pod.spec.containers[0]?.ports?.find((p) => p.name === workers?.spec.podMetricsEndpoints?.[0]?.port);
      expect(port, 'the PodMonitor port names a port of the worker container').toBeDefined();
      const text = (await httpGet(`http://${pod.status.podIP}:${String(port?.containerPort)}/metrics`)).body;
      const line = /^procos_worker_jobs_completed_total\{[^}]*task_topic="hello.greet"[^}]*\} (\d+)$/m.exec(text);
      expect(line, 'the worker exports its completed-jobs counter').not.toBeNull();
      completed += Number(line?.[1]);
    }
    expect(completed).toBe(1);
    const services = cluster.kubectl(['-n', NS, 'get', 'services', '-l', selector(engineMonitor), '-o', 'name']).trim();
    expect(services).toBe('service/dev-procos-engine');
    const engineMetrics = await httpGet(`http://${engineIp}:9600/metrics`);
    expect(engineMonitor?.spec.endpoints?.[0]?.port).toBe('monitoring');
    expect(engineMetrics.body).toContain('procos_engine_request_duration_seconds_bucket{');
    expect(engineMetrics.body).toContain('procos_engine_job_backlog');
  });

  it('upgrades to the new chart version (values and CRDs by the documented command), then rolls back; the engine token stays', () => {
    const tokenBefore = engineToken();
    const poolWithNewField = stringify({
      apiVersion: 'procos.io/v1alpha1',
      kind: 'WorkerPool',
      metadata: { name: 'capped', namespace: APPS },
      spec: {
        taskTypes: ['hello.capped'],
        sandboxPolicyRef: { name: 'hello' },
        replicas: 0,
        maxJobsActive: 4,
        handlers: [{ taskType: 'hello.capped', adapter: 'format', config: { template: 'x', output: 'y' } }],
      },
    });
    const upgraded = helm([
      'upgrade',
      'dev',
      CHART,
      '-n',
      NS,
      ...devValues,
      '--set',
      'concurrency=4',
      '--wait',
      '--timeout',
      '300s',
    ]);
    expect(upgraded.code, upgraded.out).toBe(0);
    const after = operatorDeployment();
    expect(after.metadata.labels['helm.sh/chart']).toBe('procos-0.1.0');
    expect(after.spec.template.spec.containers[0]?.args).toContain('--concurrency=4');
    // The chart found its Secret (lookup) and kept the token: the engine and the workers still agree.
    expect(engineToken()).toBe(tokenBefore);
    // Helm leaves CRDs alone on upgrade: the old WorkerPool schema does not know the new field.
    const strict = cluster.tryKubectl(['apply', '--validate=strict', '-f', '-'], poolWithNewField);
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain('unknown field "spec.maxJobsActive"');
    // The README's CRD upgrade command.
    const crds = helm(['show', 'crds', CHART]);
    expect(crds.code, crds.out).toBe(0);
    cluster.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], crds.out);
    cluster.kubectl(['apply', '--validate=strict', '-f', '-'], poolWithNewField);
    expect(processReady()).toBe('True');

    const rolledBack = helm(['rollback', 'dev', '1', '-n', NS, '--wait', '--timeout', '300s']);
    expect(rolledBack.code, rolledBack.out).toBe(0);
    const back = operatorDeployment();
    expect(back.metadata.labels['helm.sh/chart']).toBe('procos-0.0.9');
    expect(back.spec.template.spec.containers[0]?.args).toContain('--concurrency=8');
    expect(engineToken()).toBe(tokenBefore);
    const history = JSON.parse(helm(['history', 'dev', '-n', NS, '-o', 'json']).out) as {
      revision: number;
      chart: string;
    }[];
    expect(history.map((h) => `${h.revision} ${h.chart}`)).toEqual([
      '1 procos-0.0.9',
      '2 procos-0.1.0',
      '3 procos-0.0.9',
    ]);
    // CRDs stay at the newer schema (a rollback never touches them; they only ever add fields).
    expect(
      cluster.tryKubectl(['-n', APPS, 'get', 'workerpool', 'capped', '-o', 'jsonpath={.spec.maxJobsActive}']).stdout,
    ).toBe('4');
  });

  it('uninstalls after the user deleted their processes and pools: nothing of the release is left, the CRDs stay', async () => {
    // The README's order: delete what the operator finalizes while it still runs.
    cluster.kubectl([
      '-n',
      APPS,
      'delete',
      'procosprocesses,workerpools,sandboxpolicies',
      '--all',
      '--wait',
      '--timeout=120s',
    ]);
    const gone = helm(['uninstall', 'dev', '-n', NS, '--wait', '--timeout', '120s']);
    expect(gone.code, gone.out).toBe(0);
    await waitFor(
      'the release pods to go',
      () => (cluster.kubectl(['-n', NS, 'get', 'pods', '-o', 'name']).trim() === '' ? true : undefined),
      { timeoutMs: 120_000 },
    );
    expectReleaseGone((args) => cluster.kubectl(args), NS, 'dev');
    expect(
      cluster
        .kubectl([
          '-n',
          APPS,
          'get',
          'deployments,configmaps,secrets',
          '-l',
          'app.kubernetes.io/managed-by=procos-operator',
          '-o',
          'name',
        ])
        .trim(),
    ).toBe('');
    for (const kind of ['clusterrole', 'clusterrolebinding'])
      expect(cluster.kubectl(['get', kind, '-l', 'app.kubernetes.io/instance=dev', '-o', 'name']).trim(), kind).toBe(
        '',
      );
    expect(cluster.tryKubectl(['get', 'crd', 'workerpools.procos.io']).code).toBe(0);
  });
});
