// procos-engine as users run it: the built binary in its own process, killable with SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../lib/cli/version.js';

export interface EngineProcess {
  child: ChildProcess;
  grpc: string;
  monitoring: string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function spawnEngine(args: {
  port: number;
  monitoringPort: number;
  dataDir: string;
}): Promise<EngineProcess> {
  const bin = join(projectRoot(), 'bin/procos-engine.js');
  if (!existsSync(join(projectRoot(), 'dist/engine/main.js')))
    throw new Error('dist/ is missing: run `make build` before these tests');
  const child = spawn(
    process.execPath,
    [bin, '--port', String(args.port), '--monitoring-port', String(args.monitoringPort), '--data-dir', args.dataDir],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const monitoring = `http://127.0.0.1:${args.monitoringPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`procos-engine exited with ${child.exitCode}`);
    if (
      await fetch(`${monitoring}/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error('procos-engine not ready in 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    grpc: `127.0.0.1:${args.port}`,
    monitoring,
    kill: (signal) =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
