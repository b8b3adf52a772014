// bench/worker: procos-worker with a trivial handler (format) against a bare @camunda8/sdk
// worker doing the same work, on the same procos-engine in the same run — jobs/s (ratio),
// createProcessInstanceWithResult latency p50/p99 through each, and procos-worker's RSS idle
// and under load. Each worker runs in its own process, as in production; rounds alternate so
// a noisy neighbour hurts both. Then the sandbox's cost per python job. Prints ratios; no
// thresholds. --quick: fewer instances and runs; KINDS=procos-worker,... limits the rows.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/net/free-port.js';
import { rawGateway } from '../../engine/testing/engine-harness.js';
import { spawnEngine } from '../../engine/testing/engine-process.js';
import { projectRoot } from '../../lib/cli/version.js';
import { sdkClient } from '../../lib/zeebe/sdk-client.js';
import { cpuSeconds, rssMb } from '../process-stats.js';

const root = projectRoot();
const quick = process.argv.includes('--quick');
const INSTANCES = quick ? 400 : 3000;
const ROUNDS = quick ? 1 : 2;
const INFLIGHT = 64;
const MAX_JOBS = 32;

const dir = mkdtempSync(join(tmpdir(), 'procos-bench-worker-'));
const pool = join(dir, 'pool.yaml');
writeFileSync(
  pool,
  `apiVersion: procos.io/v1alpha1
kind: WorkerPool
metadata: { name: bench }
spec:
  taskTypes: [work.item]
  maxJobsActive: ${MAX_JOBS}
  handlers:
    - { taskType: work.item, adapter: format, config: { template: 'item {{ i }}', output: done } }
`,
);

async function inParallel(total: number, inflight: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

type Kind = 'procos-worker' | 'bare SDK worker' | 'procos-worker --job-flow stream';

async function startWorker(kind: Kind, address: string): Promise<ChildProcess> {
  const env = {
    ...process.env,
    ZEEBE_GRPC_ADDRESS: `grpc://${address}`,
    CAMUNDA_AUTH_STRATEGY: 'NONE',
    LOG_LEVEL: 'info', // the "serving" line says it is up
  };
  const args =
    kind === 'bare SDK worker'
      ? [
          '--experimental-strip-types',
          '--no-warnings',
          join(root, 'bench/worker/bare-worker.ts'),
          address,
          String(MAX_JOBS),
        ]
      : [
          join(root, 'bin/procos-worker.js'),
          '--pool',
          pool,
          '--http-port',
          '0',
          ...(kind.endsWith('stream') ? ['--job-flow', 'stream'] : []),
        ];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve); // "ready" or the "serving" log line
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code}`)));
  });
  child.stdout.resume();
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

const engine = await spawnEngine({
  port: await freePort(),
  monitoringPort: await freePort(),
  dataDir: join(dir, 'engine'),
});
const client = sdkClient(engine.grpc);
await client.deployResource({
  name: 'one-task.bpmn',
  process: readFileSync(join(root, 'workers/testdata/one-task.bpmn')),
});
const { CreateProcessInstance: startInstance } = rawGateway(engine.grpc);
if (!startInstance) throw new Error('no CreateProcessInstance rpc');

async function waitIdle(): Promise<void> {
  for (;;) {
    const text = await (await fetch(`${engine.monitoring}/metrics`)).text();
    if (/^procos_engine_process_instances 0$/m.test(text)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Row {
  jobsPerS: number[];
  p50: number[];
  p99: number[];
  cpu: number[];
  rssIdle?: number;
  rssPeak?: number;
}
const kinds: Kind[] = process.env.KINDS
  ? (process.env.KINDS.split(',') as Kind[])
  : ['bare SDK worker', 'procos-worker', 'procos-worker --job-flow stream'];
const rows = new Map<Kind, Row>(kinds.map((k) => [k, { jobsPerS: [], p50: [], p99: [], cpu: [] }]));

console.log(
  `one-task process, ${INSTANCES} instances per run, ${ROUNDS} round(s), maxJobsActive ${MAX_JOBS}, each worker in its own process`,
);
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of round % 2 ? [...kinds].reverse() : kinds) {
    const row = rows.get(kind);
    if (!row) continue;
    const worker = await startWorker(kind, engine.grpc);
    row.rssIdle ??= rssMb(worker.pid);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(worker.pid))), 100);
    const cpu0 = cpuSeconds(worker.pid);
    const t0 = performance.now();
    await inParallel(INSTANCES, INFLIGHT, (i) =>
      startInstance({ bpmnProcessId: 'one-task', version: -1, variables: JSON.stringify({ i }) }),
    );
    await waitIdle();
    const seconds = (performance.now() - t0) / 1000;
    row.jobsPerS.push(INSTANCES / seconds);
    row.cpu.push((cpuSeconds(worker.pid) - cpu0) / INSTANCES);
    const latencies: number[] = [];
    await inParallel(quick ? 200 : 600, 16, async (i) => {
      const t = performance.now();
      await client.createProcessInstanceWithResult({ bpmnProcessId: 'one-task', variables: { i } });
      latencies.push(performance.now() - t);
    });
    latencies.sort((a, b) => a - b);
    row.p50.push(percentile(latencies, 50));
    row.p99.push(percentile(latencies, 99));
    clearInterval(sampler);
    row.rssPeak = Math.max(row.rssPeak ?? 0, peak);
    await stop(worker);
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const base = mean(rows.get('bare SDK worker')?.jobsPerS ?? [NaN]);
console.log(
  'worker                          | jobs/s | ÷ bare SDK | ms CPU/job | create-with-result p50 / p99 ms | RSS idle / peak MB',
);
for (const [kind, r] of rows)
  console.log(
    `${kind.padEnd(31)} | ${mean(r.jobsPerS).toFixed(0).padStart(6)} | ${(mean(r.jobsPerS) / base).toFixed(2).padStart(10)} | ${(mean(r.cpu) * 1000).toFixed(2).padStart(10)} | ${mean(r.p50).toFixed(1).padStart(14)} / ${mean(r.p99).toFixed(1).padEnd(15)} | ${(r.rssIdle ?? NaN).toFixed(0)} / ${(r.rssPeak ?? NaN).toFixed(0)}`,
  );
console.log(
  `(per-round jobs/s: ${[...rows].map(([k, r]) => `${k}: ${r.jobsPerS.map((x) => x.toFixed(0)).join(', ')}`).join('; ')})`,
);

await client.close(1000);
await engine.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });

// Sandbox cost: one python adapter job (bubblewrap + setpriv + prlimit, JSON in and out)
// against a bare `/usr/bin/python3 -c` doing the same echo, both run one after another.
const { pythonAdapter, pythonConfig } = await import('../../workers/adapters/python/python-adapter.js');
const { sandboxPolicySpec } = await import('../../operator/api/index.js');
const { pino } = await import('pino');
const { execFileSync } = await import('node:child_process');
const script = 'import json, sys\nprint(json.dumps({"echo": json.load(sys.stdin)["n"]}))';
const policy = sandboxPolicySpec.parse({ allowedTaskTypes: ['*'] });
const env = { policy, log: pino({ level: 'silent' }) };
const config = pythonConfig.parse({ script });
await pythonAdapter.start?.(config, env);
const RUNS = quick ? 21 : 61;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const bare: number[] = [];
const sandboxed: number[] = [];
for (let n = 0; n < RUNS; n++) {
  let t = performance.now();
  execFileSync('/usr/bin/python3', ['-I', '-S', '-c', script], { input: JSON.stringify({ n }) });
  bare.push(performance.now() - t);
  t = performance.now();
  const out = await pythonAdapter.execute({ n }, config, {
    ...env,
    jobKey: String(n),
    jobType: 'bench',
    processInstanceKey: '1',
    elementId: 'script',
    headers: {},
    signal: new AbortController().signal,
  });
  sandboxed.push(performance.now() - t);
  if (out.echo !== n) throw new Error(`python adapter answered ${JSON.stringify(out)}`);
}
console.log(
  `\npython job, median of ${RUNS}: python adapter (sandboxed) ${median(sandboxed).toFixed(1)} ms, bare python3 -c ${median(bare).toFixed(1)} ms: ${(median(sandboxed) / median(bare)).toFixed(2)}x (+${(median(sandboxed) - median(bare)).toFixed(1)} ms a run)`,
);
