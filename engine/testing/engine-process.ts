// procos-engine as users run it: the built binary in its own process, killable with SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../lib/cli/version.js';
import { waitFor } from '../../lib/testing/wait-for.js';

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
  /** Address to bind (the engine's --host; default loopback), e.g. 0.0.0.0 for pods to reach it. */
  host?: string;
  /** Node options for the engine's process, e.g. --cpu-prof for a profile (bench/engine). */
  nodeArgs?: string[];
  /** --in-memory: no event log on disk (dataDir unused); bench/engine measures what the log costs. */
  inMemory?: boolean;
}): Promise<EngineProcess> {
  const bin = join(projectRoot(), 'bin/procos-engine.js');
  if (!existsSync(join(projectRoot(), 'dist/engine/main.js')))
    throw new Error('dist/ is missing: run `make build` before these tests');
  const child = spawn(
    process.execPath,
    [
      ...(args.nodeArgs ?? []),
      bin,
      '--port',
      String(args.port),
      '--monitoring-port',
      String(args.monitoringPort),
      ...(args.inMemory ? ['--in-memory'] : ['--data-dir', args.dataDir]),
      ...(args.host ? ['--host', args.host] : []),
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const monitoring = `http://127.0.0.1:${args.monitoringPort}`;
  const outcome = await waitFor(
    `procos-engine on ${monitoring} to be ready`,
    async () => {
      if (child.exitCode !== null) return 'exited';
      return (await fetch(`${monitoring}/ready`)).ok ? 'ready' : undefined;
    },
    { timeoutMs: 30_000, everyMs: 50 },
  );
  if (outcome === 'exited') throw new Error(`procos-engine exited with ${child.exitCode ?? '?'} before it was ready`);
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
