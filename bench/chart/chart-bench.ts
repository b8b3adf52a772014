// bench/chart: what users wait for around the chart and the plugin, each against a baseline
// measured in the same run (machines here are noisy), printed as ratios; no thresholds.
//   - `helm template` of charts/procos vs. of a minimal chart (one ConfigMap): the render cost.
//   - `kubectl procos status -A` over 500 ProcOSProcesses (+ 50 WorkerPools) vs. `kubectl get
//     procosprocesses,workerpools -A -o json` of the same objects: what the plugin adds to a list.
//   - `helm install` of the dev preset to all Ready (KWOK pods) vs. `kubectl apply` of one plain
//     Deployment to Ready on the same cluster.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { projectRoot } from '../../lib/cli/version.js';
import { startControlPlane } from '../../e2e/cluster/control-plane.js';

const root = projectRoot();
const N = process.argv.includes('--quick') ? 100 : 500;
const RUNS = 5;

/** Median wall time of `runs` calls of fn, in ms. */
function median(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const line = (what: string, ms: number, baseline: string, baseMs: number): void =>
  console.log(
    `${what.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms   ${baseline.padEnd(44)} ${baseMs.toFixed(0).padStart(6)} ms   ratio ${(ms / baseMs).toFixed(2)}`,
  );

const cp = await startControlPlane();
const work = mkdtempSync(join(tmpdir(), 'procos-chart-bench-'));
try {
  const helm = (args: string[]): string =>
    execFileSync(join(cp.bin, 'helm'), ['--kubeconfig', cp.kubeconfigPath, ...args], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
  // kubectl takes no flag before a plugin's name: --kubeconfig goes last.
  const kubectl = (args: string[], input?: string, env?: NodeJS.ProcessEnv): string =>
    execFileSync(join(cp.bin, 'kubectl'), [...args, '--kubeconfig', cp.kubeconfigPath], {
      encoding: 'utf8',
      input,
      env,
      maxBuffer: 256 * 1024 * 1024,
    });

  // 1. Render.
  const minimal = join(work, 'minimal');
  mkdirSync(join(minimal, 'templates'), { recursive: true });
  writeFileSync(join(minimal, 'Chart.yaml'), 'apiVersion: v2\nname: minimal\nversion: 0.1.0\n');
  writeFileSync(
    join(minimal, 'templates', 'cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  a: b\n',
  );
  const dev = ['-f', join(root, 'helm/values-dev.yaml')];
  const ours = median(RUNS, () => helm(['template', 'procos', join(root, 'charts/procos'), ...dev]));
  const base = median(RUNS, () => helm(['template', 'procos', minimal]));
  line('helm template charts/procos (dev preset)', ours, 'helm template of a one-ConfigMap chart', base);

  // 2. The plugin's status over N processes.
  kubectl(['apply', '--server-side', '-f', join(root, 'crds')]);
  kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  kubectl(['create', 'namespace', 'bench']);
  const docs: unknown[] = [];
  for (let i = 0; i < N; i++)
    docs.push({
      apiVersion: 'procos.io/v1alpha1',
      kind: 'ProcOSProcess',
      metadata: { name: `p-${i}`, namespace: 'bench' },
      spec: { bpmn: { configMapRef: { name: 'bpmn', key: `p-${i}.bpmn` } } },
    });
  for (let i = 0; i < N / 10; i++)
    docs.push({
      apiVersion: 'procos.io/v1alpha1',
      kind: 'WorkerPool',
      metadata: { name: `w-${i}`, namespace: 'bench' },
      spec: {
        taskTypes: [`t-${i}`],
        handlers: [{ taskType: `t-${i}`, adapter: 'format', config: { template: 'x', output: 'y' } }],
      },
    });
  kubectl(['apply', '--server-side', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));
  const pluginDir = join(work, 'plugin');
  mkdirSync(pluginDir);
  symlinkSync(join(root, 'bin/kubectl-procos.js'), join(pluginDir, 'kubectl-procos'));
  const env = { ...process.env, PATH: `${pluginDir}:${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  const status = median(RUNS, () => kubectl(['procos', 'status', '-A'], undefined, env));
  const list = median(RUNS, () => kubectl(['get', 'procosprocesses,workerpools', '-A', '-o', 'json']));
  line(
    `kubectl procos status -A (${N} processes, ${N / 10} pools)`,
    status,
    'kubectl get … -A -o json (same objects)',
    list,
  );

  // 3. Install to all Ready.
  const t0 = performance.now();
  helm([
    'install',
    'dev',
    join(root, 'charts/procos'),
    '-n',
    'procos-dev',
    '--create-namespace',
    ...dev,
    '--set',
    'bundledEngine.persistence.enabled=false',
    '--wait',
    '--timeout',
    '180s',
  ]);
  const install = performance.now() - t0;
  const t1 = performance.now();
  kubectl(['-n', 'bench', 'create', 'deployment', 'plain', '--image=procos.local/procos-worker:0.1.0']);
  kubectl(['-n', 'bench', 'rollout', 'status', 'deployment/plain', '--timeout=180s']);
  const plain = performance.now() - t1;
  line('helm install of the dev preset to all Ready (KWOK)', install, 'kubectl create deployment to Ready', plain);
} finally {
  await cp.stop();
  rmSync(work, { recursive: true, force: true });
}
