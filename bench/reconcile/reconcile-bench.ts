// bench/reconcile: time for the operator to bring 500 ProcOSProcess CRs to Ready, against the
// same run's baseline — the apiserver accepting 500 plain CR writes (SandboxPolicies, which
// the operator does not reconcile). Also: apiserver requests per CR, operator RSS at 1000 CRs.
// Prints ratios; no thresholds.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { freePort } from '../../lib/net/free-port.js';
import { apiserverRequests } from '../operator-metrics.js';
import { cpuSeconds, rssMb } from '../process-stats.js';
import { spawnEngine } from '../../engine/testing/engine-process.js';
import { projectRoot } from '../../lib/cli/version.js';
import { startControlPlane } from '../../e2e/cluster/control-plane.js';
import { spawnOperator } from '../../e2e/testing/operator-process.js';
import { Informer } from '../../operator/runtime/informer.js';
import { KubeClient, resourcePath, type KubeObject } from '../../operator/runtime/kube-client.js';

/** CPU seconds (user + system) so far of each process whose command line mentions one of `marks`. */
function cpuByProcess(marks: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!marks.some((m) => argv.some((a) => a.includes(m)))) continue;
      const name = basename(argv.find((a) => a.endsWith('.js')) ?? argv[0] ?? pid);
      out.set(name, (out.get(name) ?? 0) + cpuSeconds(pid));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** kubectl without blocking this process's event loop (the Ready watch must keep reading). */
function kubectlAsync(cp: { bin: string; kubeconfigPath: string }, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      join(cp.bin, 'kubectl'),
      ['--kubeconfig', cp.kubeconfigPath, ...args],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, _out, stderr) => (err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`)) : resolve()),
    );
    child.stdin?.end(input);
  });
}

const N = process.argv.includes('--quick') ? 100 : 500;
const root = projectRoot();
const hello = readFileSync(join(root, 'processes/hello.bpmn'), 'utf8');

const cp = await startControlPlane();
const engineDataDir = mkdtempSync(join(tmpdir(), 'procos-rb-'));
const engine = await spawnEngine({ port: await freePort(), monitoringPort: await freePort(), dataDir: engineDataDir });
const logDir = mkdtempSync(join(tmpdir(), 'procos-rb-logs-'));
try {
  cp.kubectl(['apply', '--server-side', '-f', join(root, 'crds')]);
  cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  for (const ns of ['bench', 'procos-system']) cp.kubectl(['create', 'namespace', ns]);

  const processes = (from: number, to: number, namespace = 'bench'): string =>
    Array.from({ length: to - from }, (_, k) => {
      const i = from + k;
      return stringify({
        apiVersion: 'procos.io/v1alpha1',
        kind: 'ProcOSProcess',
        metadata: { name: `proc-${i}`, namespace },
        spec: { bpmn: { inline: hello.replaceAll('"hello"', `"proc-${i}"`) } },
      });
    }).join('---\n');
  // Baseline 1: the very same 500 ProcOSProcess manifests written while no operator runs
  // (then removed again, untimed); baseline 2: 500 small SandboxPolicies.
  cp.kubectl(['create', 'namespace', 'baseline']);
  const tb = performance.now();
  cp.kubectl(['apply', '-f', '-'], processes(0, N, 'baseline'));
  const sameObjectsS = (performance.now() - tb) / 1000;
  cp.kubectl(['delete', 'procosprocesses', '--all', '-n', 'baseline', '--wait=true', '--timeout=300s']);

  const policies = Array.from({ length: N }, (_, i) =>
    stringify({
      apiVersion: 'procos.io/v1alpha1',
      kind: 'SandboxPolicy',
      metadata: { name: `p-${i}`, namespace: 'bench' },
      spec: { allowedTaskTypes: ['hello.*'] },
    }),
  );
  const t0 = performance.now();
  cp.kubectl(['apply', '-f', '-'], policies.join('---\n'));
  const baselineS = (performance.now() - t0) / 1000;

  const operator = spawnOperator({
    kubeconfig: cp.kubeconfigPath,
    engineAddress: engine.grpc,
    identity: 'bench',
    logDir,
  });
  await new Promise((r) => setTimeout(r, 2000)); // leader election and informer sync
  // Ready is counted from one watch in this process: polling with `kubectl get` lists 500
  // full objects every tick and steals the CPU the operator and the apiserver share.
  const watcher = new Informer<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(
    await KubeClient.fromKubeconfig(cp.kubeconfigPath),
    { path: resourcePath('procos.io/v1alpha1', 'procosprocesses', 'bench') },
    pino({ level: 'warn' }),
  );
  await watcher.start();
  const readyCount = (): number =>
    watcher.list().filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  const requests = () => apiserverRequests(operator);

  const waitReady = async (n: number): Promise<void> => {
    while (readyCount() < n) {
      if (operator.child.exitCode !== null)
        throw new Error(`the operator exited (${operator.child.exitCode}); see ${operator.logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const before = await requests();
  const marks = [cp.dir, 'procos-operator.js', 'procos-engine.js'];
  const cpuBefore = cpuByProcess(marks);
  const t1 = performance.now();
  await kubectlAsync(cp, ['apply', '-f', '-'], processes(0, N));
  const appliedS = (performance.now() - t1) / 1000;
  const readyAtApplied = readyCount();
  await waitReady(N);
  const readyS = (performance.now() - t1) / 1000;
  const after = await requests();
  const byVerb = [...after].map(([verb, n]) => [verb, (n - (before.get(verb) ?? 0)) / N] as const);
  const perCr = byVerb.reduce((a, [, n]) => a + n, 0);
  const cpuAfter = cpuByProcess(marks);
  const cpuUse = [...cpuAfter]
    .map(([name, s]) => [name, s - (cpuBefore.get(name) ?? 0)] as const)
    .filter(([, s]) => s >= 0.1)
    .sort((a, b) => b[1] - a[1])
    .map(([name, s]) => `${name} ${s.toFixed(1)}`)
    .join(', ');

  cp.kubectl(['apply', '-f', '-'], processes(N, 2 * N));
  await waitReady(2 * N);
  const rss = rssMb(operator.child.pid);

  console.log(
    `apiserver accepts the same ${N} ProcOSProcess manifests, no operator (one kubectl apply): ${sameObjectsS.toFixed(1)} s`,
  );
  console.log(`apiserver accepts ${N} small SandboxPolicies (one kubectl apply): ${baselineS.toFixed(1)} s`);
  console.log(`operator brings ${N} ProcOSProcess CRs to Ready (deployed to procos-engine): ${readyS.toFixed(1)} s`);
  console.log(
    `ratio ready ÷ same-manifest writes: ${(readyS / sameObjectsS).toFixed(2)} (target ≤ 2); ÷ small writes: ${(readyS / baselineS).toFixed(2)}`,
  );
  console.log(
    `  of which kubectl apply with the operator running: ${appliedS.toFixed(1)} s (${readyAtApplied} Ready by then)`,
  );
  console.log(`  CPU seconds spent meanwhile: ${cpuUse}`);
  console.log(
    `apiserver requests by the operator per CR: ${perCr.toFixed(1)} (${byVerb.map(([v, n]) => `${v} ${n.toFixed(2)}`).join(', ')})`,
  );
  console.log(`operator RSS with ${2 * N} CRs: ${rss.toFixed(0)} MB (target ≤ 150 MB)`);
  watcher.stop();
  await operator.kill('SIGTERM');
} finally {
  await engine.kill('SIGTERM');
  await cp.stop();
  for (const dir of [engineDataDir, logDir]) rmSync(dir, { recursive: true, force: true });
}
