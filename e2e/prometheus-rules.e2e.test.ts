// The chart's alerts and dashboard with promtool built from the Prometheus Go module (build.sh):
// files/alerts.yaml and the PrometheusRule the chart renders from it pass `promtool check rules`
// and `promtool test rules` (each alert fires on a lasting excess, not just below its threshold
// nor for less than its `for`); every query of files/dashboard.json parses; and every metric the
// two read is served by the real procos-engine, procos-worker and operator after a job ran.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { spawnEngine, type EngineProcess } from '../engine/testing/engine-process.js';
import { projectRoot } from '../lib/cli/version.js';
import { freePort } from '../lib/net/free-port.js';
import { tempDir } from '../lib/testing/temp-dir.js';
import { waitFor } from '../lib/testing/wait-for.js';
import { sdkClient } from '../lib/zeebe/sdk-client.js';
import { startWorkerProcess, type WorkerProcess } from '../workers/testing/worker-process.js';
import { installCrds, useCluster, type TestCluster } from './cluster/test-cluster.js';
import { httpGet } from './testing/http-get.js';
import { spawnOperator, type OperatorProcess } from './testing/operator-process.js';

const root = projectRoot();
const CHART = join(root, 'charts/procos');
const ALERTS = join(CHART, 'files/alerts.yaml');
const DASHBOARD = join(CHART, 'files/dashboard.json');
const ALERT_TESTS = join(root, 'e2e/testdata/prometheus/alerts.test.yaml');

interface RuleGroups {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}
interface Panel {
  type: string;
  title: string;
  datasource?: unknown;
  targets?: { expr: string; refId: string }[];
}
interface Doc {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
}

/** build.sh builds (once, cached) and prints PROCOS_PROMTOOL=… and, last, the control plane's bin folder. */
function builtTools(): { promtool: string; helm: string } {
  const out = execFileSync('bash', [join(root, 'e2e/cluster/build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = out.trim().split('\n');
  const promtool = lines.find((l) => l.startsWith('PROCOS_PROMTOOL='))?.slice('PROCOS_PROMTOOL='.length);
  const bin = lines.at(-1);
  if (!promtool || !bin) throw new Error(`build.sh printed no promtool or bin folder: ${out}`);
  return { promtool, helm: process.env.E2E_KUBECONFIG ? 'helm' : join(bin, 'helm') };
}

function run(bin: string, args: string[], input?: string): { code: number; out: string } {
  try {
    const out = execFileSync(bin, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
    return { code: 0, out };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const dashboard = (): { uid: string; panels: Panel[]; templating: { list: { name: string }[] } } =>
  JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    uid: string;
    panels: Panel[];
    templating: { list: { name: string }[] };
  };
const alertRules = (): RuleGroups => parse(readFileSync(ALERTS, 'utf8')) as RuleGroups;
/** The metric names an expression reads (ours all start with procos_). */
const metricNames = (expr: string): string[] => [...expr.matchAll(/\bprocos_[a-z0-9_]+/g)].map((m) => m[0]);

describe('alerts and dashboard (promtool from the Prometheus Go module)', () => {
  let promtool: (args: string[], input?: string) => { code: number; out: string };
  let helm: (args: string[]) => { code: number; out: string };
  const render = (...set: string[]): Doc[] => {
    const r = helm(['template', 'procos', CHART, '--namespace', 'procos-system', ...set.flatMap((s) => ['--set', s])]);
    if (r.code !== 0) throw new Error(r.out);
    return parseAllDocuments(r.out)
      .map((d) => d.toJS() as Doc | null)
      .filter((d): d is Doc => d !== null);
  };

  beforeAll(() => {
    const tools = builtTools();
    promtool = (args, input) => run(tools.promtool, args, input);
    helm = (args) => run(tools.helm, args);
  }, 900_000);

  it('checks files/alerts.yaml with promtool: four alerts, every lint passing', () => {
    const r = promtool(['check', 'rules', '--lint=all', '--lint-fatal', ALERTS]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS: 4 rules found');
    expect(
      alertRules()
        .groups.flatMap((g) => g.rules)
        .map((r) => r.alert),
    ).toEqual([
      'ProcOSEngineLatencyHigh',
      'ProcOSJobBacklogHigh',
      'ProcOSWorkerFailureRateHigh',
      'ProcOSWorkerLatencyHigh',
    ]);
  });

  it('unit-tests every alert with promtool: it fires on a lasting excess, not just below the threshold nor for less than `for`', () => {
    const r = promtool(['test', 'rules', ALERT_TESTS]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
    // A new alert without its cases fails here.
    const tests = parse(readFileSync(ALERT_TESTS, 'utf8')) as { tests: { alert_rule_test: { alertname: string }[] }[] };
    const tested = new Set(tests.tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
    const alerts = alertRules().groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
    expect([...tested].sort()).toEqual([...alerts].sort());
  });

  it('renders a PrometheusRule only when enabled, with the extra labels and exactly the groups of files/alerts.yaml, which promtool checks and tests again', () => {
    expect(render().find((d) => d.kind === 'PrometheusRule')).toBeUndefined();
    const refused = helm(['template', 'procos', CHART, '--set', 'metrics.prometheusRule.enabled=maybe']);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/\/metrics\/prometheusRule\/enabled'/);
    const rule = render(
      'metrics.prometheusRule.enabled=true',
      'metrics.prometheusRule.labels.release=kube-prometheus',
    ).find((d) => d.kind === 'PrometheusRule');
    expect(rule?.metadata.labels).toMatchObject({ release: 'kube-prometheus', 'app.kubernetes.io/instance': 'procos' });
    expect(rule?.spec).toEqual(alertRules());

    const dir = tempDir('procos-prometheus-rule-');
    const rendered = join(dir, 'rendered-rules.yaml');
    writeFileSync(rendered, stringify(rule?.spec));
    const checked = promtool(['check', 'rules', '--lint=all', '--lint-fatal', rendered]);
    expect(checked.code, checked.out).toBe(0);
    expect(checked.out).toContain('SUCCESS: 4 rules found');
    const tests = parse(readFileSync(ALERT_TESTS, 'utf8')) as Record<string, unknown>;
    const onRendered = join(dir, 'alerts.test.yaml');
    writeFileSync(onRendered, stringify({ ...tests, rule_files: [rendered] }));
    const tested = promtool(['test', 'rules', onRendered]);
    expect(tested.code, tested.out).toBe(0);
  });

  it('renders the Grafana dashboard ConfigMap only when enabled, with the sidecar label (configurable) and files/dashboard.json', () => {
    expect(render().find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'procos-dashboard')).toBeUndefined();
    const map = render('metrics.grafanaDashboard.enabled=true').find((d) => d.kind === 'ConfigMap');
    expect(map?.metadata.name).toBe('procos-dashboard');
    expect(map?.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(JSON.parse(map?.data?.['procos.json'] ?? '')).toEqual(dashboard());

    const custom = render(
      'metrics.grafanaDashboard.enabled=true',
      'metrics.grafanaDashboard.labels.grafana_dashboard=null',
      'metrics.grafanaDashboard.labels.dashboards=procos',
      'metrics.grafanaDashboard.annotations.grafana_folder=ProcOS',
    ).find((d) => d.kind === 'ConfigMap');
    expect(custom?.metadata.labels).toMatchObject({ dashboards: 'procos' });
    expect(custom?.metadata.labels).not.toHaveProperty('grafana_dashboard');
    expect(custom?.metadata.annotations).toEqual({ grafana_folder: 'ProcOS' });
  });

  it('every query of the dashboard parses with promtool (as recording rules), its variables replaced', () => {
    const d = dashboard();
    expect(d.uid).toBe('procos-overview');
    const panels = d.panels.filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(0);
    const variables: Record<string, string> = { __rate_interval: '5m', namespace: '.*' };
    for (const v of d.templating.list) expect(v.name === 'datasource' || v.name in variables, v.name).toBe(true);
    const rules = panels.flatMap((p, i) => {
      expect(p.datasource, p.title).toBeDefined();
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      return (p.targets ?? []).map((t) => {
        const expr = t.expr.replace(/\$(\w+)/g, (whole, name: string) => variables[name] ?? whole);
        // A variable the dashboard does not define would stay and fail here, not in Grafana.
        expect(expr, `${p.title} ${t.refId}`).not.toContain('$');
        return { record: `procos:dashboard:panel${i}_${t.refId}`, expr };
      });
    });
    const file = join(tempDir('procos-dashboard-'), 'dashboard-queries.yaml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const r = promtool(['check', 'rules', file]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  describe('against the real components', () => {
    const NS = 'procos-metrics';
    let cluster: TestCluster;
    let engine: EngineProcess;
    let operator: OperatorProcess;
    let worker: WorkerProcess | undefined;
    const dir = tempDir('procos-metrics-e2e-');
    const scrape = async (url: string): Promise<string> => {
      const r = await httpGet(`${url}/metrics`);
      if (r.status !== 200) throw new Error(`GET ${url}/metrics: ${r.status}`);
      return r.body;
    };
    /** Names of the samples in a scrape (histograms as _bucket, _sum, _count; counters as _total). */
    const sampleNames = (text: string): Set<string> =>
      new Set(
        text
          .split('\n')
          .filter((l) => l && !l.startsWith('#'))
          .map((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)?.[0] ?? ''),
      );

    beforeAll(async () => {
      cluster = await useCluster();
      installCrds(cluster, join(root, 'crds'));
      cluster.kubectl(['create', 'namespace', NS]);
      cluster.kubectl(['create', 'namespace', 'procos-system']);
      engine = await spawnEngine({ port: await freePort(), monitoringPort: await freePort(), dataDir: dir });
      operator = spawnOperator({
        kubeconfig: cluster.kubeconfigPath,
        engineAddress: engine.grpc,
        identity: 'op',
        logDir: dir,
      });
    }, 900_000);
    afterAll(async () => {
      if (worker && worker.child.exitCode === null) {
        worker.child.kill('SIGTERM');
        await worker.closed;
      }
      await operator.kill('SIGTERM');
      await engine.kill('SIGTERM');
      await cluster.stop();
    });

    it('serves every metric the alerts and the dashboard read, once a process was deployed and its jobs ran', async () => {
      // The operator deploys the hello process to the engine.
      for (const f of ['sandboxpolicy.yaml', 'procosprocess.yaml'])
        cluster.kubectl(['apply', '-n', NS, '-f', join(root, 'processes/samples', f)]);
      cluster.kubectl(['wait', '-n', NS, '--for=condition=Ready', '--timeout=60s', 'procosprocess/hello']);
      // One instance, its first job waiting: the backlog gauge has a sample only while one waits.
      const zbc = sdkClient(engine.grpc);
      const started = await zbc.createProcessInstance({ bpmnProcessId: 'hello', variables: { name: 'Ada' } });
      const engineWaiting = await waitFor('the hello.greet job in the engine backlog', async () => {
        const text = await scrape(engine.monitoring);
        return /^procos_engine_job_backlog\{type="hello.greet"\} 1$/m.test(text) ? text : undefined;
      });
      await zbc.close(1000);

      // A worker serves the sample pool; both jobs of the instance complete.
      worker = startWorkerProcess(engine.grpc, [
        '--pool',
        join(root, 'processes/samples/workerpool.yaml'),
        '--policy',
        join(root, 'processes/samples/sandboxpolicy.yaml'),
        '--http-port',
        '0',
      ]);
      const w = worker;
      const serving = await waitFor('the worker to log "serving"', () => w.logs.find((l) => l.msg === 'serving'));
      const workerUrl = `http://127.0.0.1:${String(serving.httpPort)}`;
      const workerText = await waitFor(`both jobs of instance ${started.processInstanceKey} completed`, async () => {
        const text = await scrape(workerUrl);
        const done = (type: string) =>
          new RegExp(`^procos_worker_jobs_completed_total\\{task_topic="${type}",worker_type="format"\\} 1$`, 'm');
        return done('hello.greet').test(text) && done('hello.reply').test(text) ? text : undefined;
      });
      const engineText = await scrape(engine.monitoring);
      // The workqueue gauge is sampled every few seconds; the reconciles are counted at once.
      const operatorUrl = await waitFor('the operator monitoring port', () => operator.monitoring());
      const operatorText = await waitFor('the operator workqueue depth', async () => {
        const text = await scrape(operatorUrl);
        return /^procos_operator_workqueue_depth\{/m.test(text) ? text : undefined;
      });

      const served = new Set([engineWaiting, engineText, workerText, operatorText].flatMap((t) => [...sampleNames(t)]));
      const fromAlerts = alertRules().groups.flatMap((g) => g.rules.flatMap((r) => metricNames(r.expr)));
      const fromDashboard = dashboard().panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr)));
      // The extraction itself works: each alert's metric is among them.
      expect(new Set(fromAlerts)).toEqual(
        new Set([
          'procos_engine_request_duration_seconds_bucket',
          'procos_engine_job_backlog',
          'procos_worker_jobs_failed_total',
          'procos_worker_jobs_completed_total',
          'procos_worker_jobs_errored_total',
          'procos_external_task_duration_seconds_bucket',
        ]),
      );
      const missing = [...new Set([...fromAlerts, ...fromDashboard])].filter((name) => !served.has(name));
      expect(missing, 'metrics read by alerts.yaml or dashboard.json that no component serves').toEqual([]);
      expect(fromDashboard).toContain('procos_operator_leader');

      // Our own metrics follow Prometheus' naming and typing conventions. prom-client's default
      // process_ and nodejs_ families are left out: some of its gauges end in _total.
      for (const [component, text] of Object.entries({
        engine: engineText,
        worker: workerText,
        operator: operatorText,
      })) {
        const ours = text
          .split('\n')
          .filter((l) => !/^(# (HELP|TYPE) )?(procos_worker_)?(process|nodejs)_/.test(l))
          .join('\n');
        expect(ours, component).toMatch(/^# TYPE procos_/m);
        const linted = promtool(['check', 'metrics'], ours);
        expect(linted.code, `${component}: ${linted.out}`).toBe(0);
      }
    });
  });
});
