// bench/engine/cost-per-job: the engine's CPU per job of the hello process against the gRPC
// protocol's own cost, measured in the same run (issue 14: at most 1.5×). Two baselines:
//  - echo: CPU per unary call of a grpc-js echo server (Topology answered at once) in its own
//    process, driven by a plain grpc-js client — what a server pays for a call and nothing else;
//    the issue counts ~2 calls per job (half a create, a push, a complete);
//  - replay: CPU per job of protocol-replay-server.ts, which plays hello's exchanges (the same
//    requests, pushes and answers of the same sizes) with no engine behind them — the
//    protocol's own cost per job measured rather than estimated.
//  - engine: CPU of procos-engine (its own process, durable log) per job while plain grpc-js
//    workers (StreamActivatedJobs + CompleteJob, own process) run the hello process, instances
//    started by a plain grpc-js client; and the same with --in-memory (no log on disk): what is
//    left when the durable log costs nothing.
// `--rounds N` repeats the three and prints the median ratios (the machine's noise is about
// ±10 % a run); `--cpu-prof DIR` / `--heap-prof DIR` also write a V8 CPU / allocation profile of
// the engine (open them in Chrome DevTools). engine-work.ts measures the engine's share without
// gRPC.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/net/free-port.js';
import { projectRoot } from '../../lib/cli/version.js';
import { sdkClient } from '../../lib/zeebe/sdk-client.js';
import { spawnEngine } from '../../engine/testing/engine-process.js';
import { rawGateway } from '../../engine/testing/engine-harness.js';
import { cpuSeconds } from '../process-stats.js';

const root = projectRoot();
const INFLIGHT = 64;
/** Calls (or jobs) the protocol is charged per job of hello: half a create, a push, a complete. */
export const CALLS_PER_JOB = 2;

async function pool(total: number, inflight: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

/** CPU milliseconds the echo server spends per unary call. */
export async function echoCpuPerCallMs(calls: number): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/engine/echo-server.ts'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((r) => child.stdout.once('data', r));
  const topology = rawGateway(`127.0.0.1:${port}`).Topology;
  if (!topology) throw new Error('no Topology rpc');
  await pool(calls, INFLIGHT, () => topology({})); // warm-up, as long as the measurement (see cpuPerJobOfHello)
  const cpu0 = cpuSeconds(child.pid);
  await pool(calls, INFLIGHT, () => topology({}));
  const ms = ((cpuSeconds(child.pid) - cpu0) * 1000) / calls;
  child.kill('SIGKILL');
  return ms;
}

/** CPU milliseconds procos-engine spends per job of hello, with raw grpc-js stream workers. */
export async function engineCpuPerJobMs(
  instances: number,
  o: { cpuProfDir?: string; heapProfDir?: string; inMemory?: boolean } = {},
): Promise<number> {
  const { cpuProfDir, heapProfDir } = o;
  const dataDir = mkdtempSync(join(tmpdir(), 'procos-bench-'));
  const engine = await spawnEngine({
    port: await freePort(),
    monitoringPort: await freePort(),
    dataDir,
    inMemory: o.inMemory,
    nodeArgs: [
      ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []),
      ...(heapProfDir ? ['--heap-prof', `--heap-prof-dir=${heapProfDir}`] : []),
    ],
  });
  try {
    const client = sdkClient(engine.grpc);
    await client.deployResource({ name: 'hello.bpmn', process: readFileSync(join(root, 'processes/hello.bpmn')) });
    await client.close(1000);
    return await cpuPerJobOfHello(engine.grpc, engine.monitoring, engine.child.pid, instances);
  } finally {
    await engine.kill('SIGTERM'); // SIGTERM lets --cpu-prof write its profile
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * CPU milliseconds per job of the protocol replay server (protocol-replay-server.ts): the same
 * gRPC exchanges as a job of hello on procos-engine, with the same clients, and no engine.
 */
export async function replayCpuPerJobMs(instances: number): Promise<number> {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/engine/protocol-replay-server.ts'), String(grpcPort), String(httpPort)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise((r) => child.stdout.once('data', r));
    return await cpuPerJobOfHello(`127.0.0.1:${grpcPort}`, `http://127.0.0.1:${httpPort}`, child.pid, instances);
  } finally {
    child.kill('SIGKILL');
  }
}

/** Runs hello instances through a gateway with raw stream workers; the server's CPU ms per job. */
async function cpuPerJobOfHello(
  address: string,
  monitoring: string,
  serverPid: number | undefined,
  instances: number,
): Promise<number> {
  const workers = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/engine/workers-process.ts'), address, '4', 'raw'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    await new Promise((r) => workers.stdout.once('data', r));
    const { CreateProcessInstance: start } = rawGateway(address);
    if (!start) throw new Error('no CreateProcessInstance rpc');
    const run = (n: number, from: number) =>
      pool(n, INFLIGHT, (i) =>
        start({ bpmnProcessId: 'hello', version: -1, variables: JSON.stringify({ name: `n${from + i}` }) }),
      ).then(() => waitIdle(monitoring));
    // Warm-up as long as the measurement: the JIT and the heap settle only after a few thousand
    // instances. With 500 the window still paid for compiling (the replay 120 µs a job instead of
    // 84, the engine 236 instead of 160): a long-running server's cost is the steady state.
    await run(instances, 0);
    const cpu0 = cpuSeconds(serverPid);
    await run(instances, 1_000_000);
    return ((cpuSeconds(serverPid) - cpu0) * 1000) / (2 * instances);
  } finally {
    workers.kill('SIGTERM');
  }
}

async function waitIdle(monitoring: string): Promise<void> {
  for (;;) {
    const text = await (await fetch(`${monitoring}/metrics`)).text();
    if (/^procos_engine_process_instances 0$/m.test(text)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const quick = process.argv.includes('--quick');
  const valueAfter = (flag: string) => {
    const at = process.argv.indexOf(flag);
    return at > 0 ? process.argv[at + 1] : undefined;
  };
  // Rounds alternate the three servers so that a noisy moment of the machine does not fall on
  // one of them only; each ratio is taken within its round, and the median is the result.
  const rounds = Number(valueAfter('--rounds') ?? 1);
  const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
  const ratios: { echo: number; replay: number; inMemory: number }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const echoMs = await echoCpuPerCallMs(quick ? 5000 : 20_000);
    const replayMs = await replayCpuPerJobMs(quick ? 1000 : 4000);
    const engineMs = await engineCpuPerJobMs(quick ? 1000 : 4000, {
      cpuProfDir: valueAfter('--cpu-prof'),
      heapProfDir: valueAfter('--heap-prof'),
    });
    const inMemoryMs = await engineCpuPerJobMs(quick ? 1000 : 4000, { inMemory: true });
    const protocolMs = CALLS_PER_JOB * echoMs;
    ratios.push({ echo: engineMs / protocolMs, replay: engineMs / replayMs, inMemory: inMemoryMs / replayMs });
    if (rounds > 1) console.log(`round ${round} of ${rounds}`);
    console.log(
      `echo server: ${us(echoMs)} CPU per call; protocol cost per job (${CALLS_PER_JOB} calls): ${us(protocolMs)}`,
    );
    console.log(`protocol replay (hello's exchanges, no engine): ${us(replayMs)} CPU per job`);
    console.log(
      `procos-engine: ${us(engineMs)} CPU per job of hello → ${(engineMs / protocolMs).toFixed(2)}× the protocol's cost (issue 14 asks ≤ 1.5×); ${(engineMs / replayMs).toFixed(2)}× the replay's`,
    );
    console.log(
      `procos-engine --in-memory (no durable log): ${us(inMemoryMs)} CPU per job → ${(inMemoryMs / protocolMs).toFixed(2)}× the protocol's cost; ${(inMemoryMs / replayMs).toFixed(2)}× the replay's`,
    );
  }
  if (rounds > 1) {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    console.log(
      `median of ${rounds} rounds: ${median(ratios.map((r) => r.echo)).toFixed(2)}× the echo estimate, ${median(ratios.map((r) => r.replay)).toFixed(2)}× the replay; --in-memory ${median(ratios.map((r) => r.inMemory)).toFixed(2)}× the replay`,
    );
  }
}
