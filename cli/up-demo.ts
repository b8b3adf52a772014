// `procos up` (first version, engine issue): start procos-engine as its own process, deploy
// processes/hello.bpmn, serve its job types with SDK workers, run one instance to its result.
// The microkernel issue replaces this with the full one-machine ProcOS.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sdkClient } from '../lib/zeebe/sdk-client.js';
import { projectRoot } from '../lib/cli/version.js';
import { freePort } from '../lib/net/free-port.js';

export interface UpOptions {
  name: string;
  dataDir: string;
  out: (line: string) => void;
}

export async function upDemo(o: UpOptions): Promise<Record<string, unknown>> {
  const root = projectRoot();
  const [port, monitoringPort] = [await freePort(), await freePort()];
  const engine = spawn(
    process.execPath,
    [
      join(root, 'bin/procos-engine.js'),
      '--port',
      String(port),
      '--monitoring-port',
      String(monitoringPort),
      '--data-dir',
      o.dataDir,
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    await waitReady(engine, `http://127.0.0.1:${monitoringPort}/ready`);
    o.out(
      `procos-engine is up: grpc://127.0.0.1:${port} (pid ${engine.pid}), monitoring http://127.0.0.1:${monitoringPort}`,
    );
    const zbc = sdkClient(`127.0.0.1:${port}`);
    const deployed = await zbc.deployResource({
      name: 'hello.bpmn',
      process: readFileSync(join(root, 'processes/hello.bpmn')),
    });
    const p = deployed.deployments[0]?.process;
    o.out(
      `deployed processes/hello.bpmn as ${p?.bpmnProcessId} version ${p?.version} (key ${p?.processDefinitionKey})`,
    );
    zbc.createWorker({
      taskType: 'hello.greet',
      taskHandler: (job) => job.complete({ greeting: `Hello, ${job.variables.name as string}!` }),
    });
    zbc.createWorker({
      taskType: 'hello.reply',
      taskHandler: (job) =>
        job.complete({ reply: `${job.variables.greeting as string} This was the ${job.customHeaders.style} reply.` }),
    });
    const result = await zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'hello',
      variables: { name: o.name },
      requestTimeout: 30_000,
    });
    o.out(`process instance ${result.processInstanceKey} completed with variables:`);
    await zbc.close(2000);
    return result.variables;
  } finally {
    engine.kill('SIGTERM');
    await new Promise((r) => engine.once('exit', r));
  }
}

async function waitReady(child: ChildProcess, url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`procos-engine exited with code ${child.exitCode} before it was ready`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`procos-engine was not ready within 30 s (${url})`);
}
