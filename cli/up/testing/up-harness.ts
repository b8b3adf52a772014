// `procos up` in a test: a copy of a manifest folder to edit, a state folder, the console lines,
// an SDK client on its engine. Every system started is stopped by stopAll() (afterEach).
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../lib/testing/temp-dir.js';
import { sdkClient, type ZeebeGrpcClient } from '../../../lib/zeebe/sdk-client.js';
import { procosUp, type RunningSystem, type UpOptions } from '../procos-up.js';

export interface UpHarness {
  system: RunningSystem;
  /** The manifest folder procos up watches (a copy: edit it). */
  dir: string;
  stateDir: string;
  /** Everything procos up printed. */
  lines: string[];
  zbc: ZeebeGrpcClient;
}

const running: UpHarness[] = [];

export interface UpSetup {
  /** Folder copied to <root>/processes on the first start. */
  from: string;
  /** The same root again resumes that system (its folder and state). */
  root?: string;
  /** Edits to make to the copy before the first start. */
  prepare?: (dir: string) => void;
  options?: Partial<UpOptions>;
}

export async function startUp(s: UpSetup): Promise<UpHarness> {
  const root = s.root ?? tempDir('procos-up-');
  const dir = join(root, 'processes');
  if (!existsSync(dir)) {
    cpSync(s.from, dir, { recursive: true });
    s.prepare?.(dir);
  }
  const stateDir = join(root, 'state');
  const lines: string[] = [];
  const system = await procosUp({
    dir,
    stateDir,
    grpcPort: 0,
    monitoringPort: 0,
    httpPort: 0,
    pollMs: 500,
    watch: true,
    out: (l) => lines.push(l),
    ...s.options,
  });
  const h = { system, dir, stateDir, lines, zbc: sdkClient(system.record.engineAddress) };
  running.push(h);
  return h;
}

export async function stopUp(h: UpHarness): Promise<void> {
  const i = running.indexOf(h);
  if (i >= 0) running.splice(i, 1);
  await h.zbc.close(1000);
  await h.system.stop();
}

export async function stopAll(): Promise<void> {
  for (const h of [...running]) await stopUp(h);
}

export type Condition = { type: string; status: string; reason: string; message: string };
export type Status = { version?: number; conditions?: Condition[] };

export function statusOf(h: UpHarness, kind: string, name: string): Status | undefined {
  return h.system.store.all().find((o) => o.kind === kind && o.metadata.name === name)?.status;
}

export function readyOf(h: UpHarness, kind: string, name: string): Condition | undefined {
  return statusOf(h, kind, name)?.conditions?.find((c) => c.type === 'Ready');
}

export interface InstanceView {
  processInstanceKey: string;
  bpmnProcessId: string;
  version: number;
  variables: Record<string, unknown>;
  elements: { elementId: string }[];
}

/** An active instance as procos-engine's read API shows it (undefined once it is gone). */
export async function instanceOf(h: UpHarness, key: string): Promise<InstanceView | undefined> {
  const res = await fetch(`${h.system.record.monitoringUrl ?? ''}/v1/process-instances/${key}`);
  return res.ok ? ((await res.json()) as InstanceView) : undefined;
}

export async function instances(h: UpHarness): Promise<InstanceView[]> {
  const res = await fetch(`${h.system.record.monitoringUrl ?? ''}/v1/process-instances`);
  return (await res.json()) as InstanceView[];
}

/** Replaces text in a file of the folder (the watcher picks it up). */
export function editFile(dir: string, file: string, from: string | RegExp, to: string): void {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = before.replace(from, to);
  if (after === before) throw new Error(`editFile: ${String(from)} not found in ${file}`);
  writeFileSync(path, after);
}
