// Starts a real procos-engine on a free loopback port and hands out official SDK clients.
import type { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { startEngine, type RunningEngine } from '../procos-engine.js';
import { sdkClient } from '../../lib/zeebe/sdk-client.js';

export { sdkClient };

export interface Harness {
  running: RunningEngine;
  client(): ZeebeGrpcClient;
  stop(): Promise<void>;
}

export async function startHarness(options: { dataDir?: string; tickMs?: number } = {}): Promise<Harness> {
  const running = await startEngine({ host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }), ...options });
  const clients: ZeebeGrpcClient[] = [];
  return {
    running,
    client() {
      const c = sdkClient(running.address);
      clients.push(c);
      return c;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close(1000).catch(() => undefined)));
      await running.stop();
    },
  };
}

const fixtures = new URL('../testdata/', import.meta.url);

export function fixture(name: string): Buffer {
  return readFileSync(new URL(name, fixtures));
}

/** Deploys a fixture BPMN under its own file name. */
export async function deployFixture(
  client: ZeebeGrpcClient,
  name: string,
): Promise<{ key: string; processDefinitionKey: string; version: number }> {
  const r = await client.deployResource({ name, process: fixture(name) } as never);
  const p = r.deployments[0]?.process;
  if (!p) throw new Error(`deploying ${name} returned no process`);
  return { key: r.key, processDefinitionKey: p.processDefinitionKey, version: p.version };
}
