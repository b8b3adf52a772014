// procos-worker as users run it: the built binary in its own process against an engine address,
// its JSON log lines parsed as they come and everything it wrote kept (for greps in tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../lib/cli/version.js';

export interface WorkerProcess {
  child: ChildProcess;
  /** Parsed JSON log lines so far; a line that is not JSON is kept as { msg: 'NOT A JSON LOG LINE', line }. */
  logs: Record<string, unknown>[];
  /** Everything the process wrote, as written. */
  output: { stdout: string; stderr: string };
  /** Exit code once the process ended and its pipes closed. */
  closed: Promise<number | null>;
}

export function startWorkerProcess(
  address: string,
  args: string[],
  logLevel = 'info',
  env: Record<string, string> = {},
): WorkerProcess {
  const root = projectRoot();
  const child = spawn(process.execPath, [join(root, 'bin/procos-worker.js'), ...args], {
    cwd: root,
    env: {
      ...process.env,
      ZEEBE_GRPC_ADDRESS: `grpc://${address}`,
      CAMUNDA_AUTH_STRATEGY: 'NONE',
      CAMUNDA_OAUTH_DISABLED: 'true',
      LOG_LEVEL: logLevel,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  const logs: Record<string, unknown>[] = [];
  let rest = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: 'NOT A JSON LOG LINE', line });
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const closed = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      if (code !== 0 && output.stderr) process.stderr.write(`procos-worker stderr:\n${output.stderr}\n`);
      resolve(code);
    }),
  );
  return { child, logs, output, closed };
}
