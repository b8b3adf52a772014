// bench/up: the one-machine system as a user runs it (`procos up processes/`, the binary):
// - boot time to "ready for requests", against procos-engine alone starting in the same run;
// - hot deploy (edit a BPMN in the folder → the new version live), against a DeployResource of
//   the same XML sent straight to the engine; the running root orchestrator keeps its version;
// - requests/s through the HTTP ingress (echo, ?wait=true) and through AMQP (a real RabbitMQ,
//   answers on reply_to) against create-with-result calls of the same echo process sent straight
//   to the engine, same engine and workers;
// - RSS of the whole system at rest (procos up, engine, every worker).
// Prints ratios; no thresholds.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/net/free-port.js';
import { projectRoot } from '../../lib/cli/version.js';
import { connect as amqpConnect } from 'amqplib';
import { startRabbitMQ } from '../../lib/testing/rabbitmq.js';
import { sdkClient } from '../../lib/zeebe/sdk-client.js';
import { spawnEngine } from '../../engine/testing/engine-process.js';
import { rssMb } from '../process-stats.js';

const root = projectRoot();
const quick = process.argv.includes('--quick');
const REQUESTS = quick ? 300 : 2000;
const CONCURRENCY = 32;

const temps: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

async function pool(total: number, inflight: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

interface Up {
  child: ChildProcess;
  output: () => string;
  bootMs: number;
  stateDir: string;
  dir: string;
}

async function startUp(amqpUrl: string): Promise<Up> {
  const base = tempDir('procos-bench-up-');
  const dir = join(base, 'processes');
  cpSync(join(root, 'processes'), dir, { recursive: true });
  const stateDir = join(base, 'state');
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin/procos.js'),
      'up',
      dir,
      '--state-dir',
      stateDir,
      '--grpc-port',
      '0',
      '--monitoring-port',
      '0',
      '--http-port',
      '0',
      '--amqp-url',
      amqpUrl,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (text.includes('Press Ctrl-C')) {
        clearInterval(check);
        resolve();
      }
      if (child.exitCode !== null) {
        clearInterval(check);
        reject(new Error(`procos up exited: ${text}`));
      }
    }, 10);
  });
  return { child, output: () => text, bootMs: performance.now() - t0, stateDir, dir };
}

async function engineBootMs(): Promise<number> {
  const [port, monitoringPort] = [await freePort(), await freePort()];
  const t0 = performance.now();
  const engine = await spawnEngine({ port, monitoringPort, dataDir: tempDir('procos-bench-engine-') });
  const ms = performance.now() - t0;
  await engine.kill('SIGTERM');
  return ms;
}

function record(stateDir: string): { engineAddress: string; monitoringUrl: string; ingressUrl: string } {
  return JSON.parse(readFileSync(join(stateDir, 'up.json'), 'utf8')) as {
    engineAddress: string;
    monitoringUrl: string;
    ingressUrl: string;
  };
}

function versionOf(stateDir: string, name: string): number | undefined {
  const objects = (
    JSON.parse(readFileSync(join(stateDir, 'objects.json'), 'utf8')) as {
      objects: { kind: string; metadata: { name: string }; status?: { version?: number } }[];
    }
  ).objects;
  return objects.find((o) => o.kind === 'ProcOSProcess' && o.metadata.name === name)?.status?.version;
}

const engineMs = await engineBootMs();
const broker = await startRabbitMQ();
const up = await startUp(broker.url);
const rec = record(up.stateDir);
console.log(
  `boot to ready for requests: ${(up.bootMs / 1000).toFixed(2)} s (procos-engine alone: ${(engineMs / 1000).toFixed(2)} s; ratio ${(up.bootMs / engineMs).toFixed(1)}×)`,
);

// RSS at rest: procos up and every process it started.
await new Promise((r) => setTimeout(r, 2000));
const children = JSON.parse(readFileSync(join(up.stateDir, 'children.json'), 'utf8')) as {
  pid: number;
  name: string;
}[];
const rss = [{ pid: up.child.pid ?? 0, name: 'procos up' }, ...children].map((c) => ({ ...c, mb: rssMb(c.pid) }));
console.log(
  `RSS at rest: ${rss.reduce((a, c) => a + c.mb, 0).toFixed(0)} MB in ${rss.length} processes (${rss.map((c) => `${c.name} ${c.mb.toFixed(0)}`).join(', ')})`,
);

// Requests/s: HTTP ingress vs straight create-with-result of the same process.
const zbc = sdkClient(rec.engineAddress);
const post = (i: number): Promise<unknown> =>
  fetch(`${rec.ingressUrl}/requests?wait=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'echo', payload: { i } }),
  }).then(async (r) => {
    const b = (await r.json()) as { state?: string };
    if (b.state !== 'completed') throw new Error(`request ${i}: ${JSON.stringify(b)}`);
  });
const direct = (i: number): Promise<unknown> =>
  zbc.createProcessInstanceWithResult({
    bpmnProcessId: 'procos-echo',
    variables: { request: { payload: { i } } },
    requestTimeout: 60_000,
  });
await pool(50, CONCURRENCY, post); // warm-up
await pool(50, CONCURRENCY, direct);
let t = performance.now();
await pool(REQUESTS, CONCURRENCY, post);
const httpRate = REQUESTS / ((performance.now() - t) / 1000);
t = performance.now();
await pool(REQUESTS, CONCURRENCY, direct);
const directRate = REQUESTS / ((performance.now() - t) / 1000);
console.log(
  `requests/s, ${CONCURRENCY} in flight: HTTP ingress ${httpRate.toFixed(0)}/s (message start, its own instance, 2 kernel jobs, call activity) vs create-with-result straight to the engine ${directRate.toFixed(0)}/s: ratio ${(httpRate / directRate).toFixed(2)}`,
);

// Requests/s through AMQP: publish them all with reply_to, wait for every answer.
const amqp = await amqpConnect(broker.url);
const channel = await amqp.createChannel();
const replyQueue = (await channel.assertQueue('', { exclusive: true })).queue;
let answered = 0;
let allAnswered: () => void = () => undefined;
const done = new Promise<void>((r) => (allAnswered = r));
await channel.consume(
  replyQueue,
  (m) => {
    if (
      m &&
      (JSON.parse(m.content.toString()) as { state?: string }).state === 'completed' &&
      ++answered === REQUESTS + 50
    )
      allAnswered();
  },
  { noAck: true },
);
const send = (i: number): boolean =>
  channel.sendToQueue('procos.requests', Buffer.from(JSON.stringify({ type: 'echo', payload: { i } })), {
    replyTo: replyQueue,
  });
for (let i = 0; i < 50; i++) send(i); // warm-up
while (answered < 50) await new Promise((r) => setTimeout(r, 10));
t = performance.now();
for (let i = 0; i < REQUESTS; i++) send(i);
await done;
const amqpRate = REQUESTS / ((performance.now() - t) / 1000);
console.log(
  `requests/s through AMQP (all ${REQUESTS} queued at once, prefetch 32): ${amqpRate.toFixed(0)}/s vs create-with-result straight to the engine ${directRate.toFixed(0)}/s: ratio ${(amqpRate / directRate).toFixed(2)}`,
);
await amqp.close();

// Hot deploy: edit the echo BPMN → version 2 live; the root instance stays on its version.
const rootKey = (JSON.parse(readFileSync(join(up.stateDir, 'root.json'), 'utf8')) as { instanceKey: string })
  .instanceKey;
const bpmnFile = join(up.dir, 'echo.bpmn');
const edited = readFileSync(bpmnFile, 'utf8').replace('name="Echo the payload"', 'name="Echo the payload back"');
t = performance.now();
writeFileSync(bpmnFile, edited);
while (versionOf(up.stateDir, 'procos-echo') !== 2) await new Promise((r) => setTimeout(r, 5));
const hotMs = performance.now() - t;
const rawT = performance.now();
await zbc.deployResource({
  name: 'bench-echo.bpmn',
  process: Buffer.from(edited.replace(/procos-echo/g, 'bench-echo')),
});
const rawMs = performance.now() - rawT;
const rootNow = (await (await fetch(`${rec.monitoringUrl}/v1/process-instances/${rootKey}`)).json()) as {
  version: number;
};
console.log(
  `hot deploy (edit → new version live): ${hotMs.toFixed(0)} ms vs DeployResource straight to the engine ${rawMs.toFixed(0)} ms (ratio ${(hotMs / rawMs).toFixed(1)}×); the running root orchestrator stays on version ${rootNow.version}`,
);

await zbc.close(1000);
up.child.kill('SIGINT');
await new Promise((r) => up.child.once('exit', r));
await broker.stop();
for (const d of temps) rmSync(d, { recursive: true, force: true });
