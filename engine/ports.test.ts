// procos-engine without its ports: a port that is taken stops the process with a message naming
// it, instead of an engine that serves gRPC while its probes, metrics and the operator's scaler
// (all on the monitoring port) see nothing.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../lib/net/free-port.js';
import { projectRoot } from '../lib/cli/version.js';
import { startEngine } from './procos-engine.js';

/** Holds a port, as another process would. */
async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

/** Runs procos-engine from its TypeScript entry (as built, minus the build) until it exits. */
function runEngine(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'engine/main.ts', '--in-memory', ...args], {
    cwd: projectRoot(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`procos-engine ${args.join(' ')} was still running after ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('procos-engine when a port is taken', () => {
  let taken: { server: Server; port: number };
  beforeAll(async () => {
    taken = await occupy();
  });
  afterAll(() => new Promise<void>((resolve) => taken.server.close(() => resolve())));

  it('exits with 1, naming the monitoring port, when the monitoring port is taken', async () => {
    const { code, stderr } = await runEngine([
      '--port',
      String(await freePort()),
      '--monitoring-port',
      String(taken.port),
    ]);
    expect(stderr).toContain(
      `procos-engine: cannot listen on the monitoring port ${taken.port} (127.0.0.1): it is already in use`,
    );
    expect(code).toBe(1);
  }, 60_000);

  it('exits with 1, naming the gRPC port, when the gRPC port is taken', async () => {
    const { code, stderr } = await runEngine([
      '--port',
      String(taken.port),
      '--monitoring-port',
      String(await freePort()),
    ]);
    expect(stderr).toContain(
      `procos-engine: cannot listen on the gRPC port ${taken.port} (127.0.0.1): it is already in use`,
    );
    expect(code).toBe(1);
  }, 60_000);

  it('startEngine releases the gRPC port it had bound when the monitoring port fails', async () => {
    const grpcPort = await freePort();
    const starting = startEngine({
      host: '127.0.0.1',
      port: grpcPort,
      monitoringPort: taken.port,
      log: pino({ level: 'silent' }),
    });
    await expect(starting).rejects.toThrow(`cannot listen on the monitoring port ${taken.port}`);
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(grpcPort, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });
});
