// One child process kept running the way kubelet keeps a container running: restarted when
// it exits, after a backoff that doubles (1 s → 30 s here; kubelet: 10 s → 5 min) and is
// forgotten once the process has stayed up for a while. Output goes to a log file (`procos
// logs`); readiness is the process's own /ready answering 200. stop() is SIGTERM, then SIGKILL
// after the grace period — the drain the workers and the engine implement on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';

export type ProcessState = 'starting' | 'ready' | 'backoff' | 'stopping' | 'stopped';

export interface SupervisedOptions {
  /** For messages: "engine", "worker hello-0". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  /** Polled until it answers 2xx; then the process counts as ready. */
  readyUrl?: string;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Up this long without exiting: the next exit starts from the initial backoff again. */
  resetAfterMs?: number;
  onChange?: (p: SupervisedProcess, what: string) => void;
  /** Where started pids are written down (so a killed parent's children can be found). */
  registry?: { add(pid: number, name: string): void; remove(pid: number): void };
}

export class SupervisedProcess {
  state: ProcessState = 'stopped';
  restarts = 0;
  /** Consecutive exits without a long enough run in between (what CrashLoopBackOff counts). */
  failures = 0;
  lastExit?: { code: number | null; signal: NodeJS.Signals | null; at: number };
  private child?: ChildProcess;
  private startedAt = 0;
  private timer?: NodeJS.Timeout;
  private exited?: Promise<void>;

  constructor(readonly o: SupervisedOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.state !== 'stopped' && this.state !== 'backoff') return;
    mkdirSync(dirname(this.o.logFile), { recursive: true });
    const fd = openSync(this.o.logFile, 'a');
    const child = spawn(this.o.command, this.o.args, {
      cwd: this.o.cwd,
      env: this.o.env ?? process.env,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.child = child;
    const pid = child.pid;
    if (pid !== undefined) {
      this.o.registry?.add(pid, this.o.name);
      child.once('exit', () => this.o.registry?.remove(pid));
    }
    this.state = 'starting';
    this.startedAt = Date.now();
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    child.once('error', () => undefined); // reported through 'exit' (spawn failures exit too)
    this.o.onChange?.(this, 'started');
    if (this.o.readyUrl) void this.waitReady(child, this.o.readyUrl);
    else this.state = 'ready';
  }

  private async waitReady(child: ChildProcess, url: string): Promise<void> {
    let delay = 50;
    while (this.stillStarting(child)) {
      const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok && this.stillStarting(child)) {
        this.state = 'ready';
        this.o.onChange?.(this, 'ready');
        return;
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(500, delay * 2);
    }
  }

  /** Read through a call: the process may exit or be stopped while a probe awaits. */
  private stillStarting(child: ChildProcess): boolean {
    return this.child === child && this.state === 'starting';
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.lastExit = { code, signal, at: Date.now() };
    if (this.state === 'stopping') {
      this.state = 'stopped';
      this.o.onChange?.(this, 'stopped');
      return;
    }
    const ranFor = Date.now() - this.startedAt;
    this.failures = ranFor >= (this.o.resetAfterMs ?? 60_000) ? 1 : this.failures + 1;
    const delay = Math.min(this.o.maxBackoffMs ?? 30_000, (this.o.initialBackoffMs ?? 1000) * 2 ** (this.failures - 1));
    this.state = 'backoff';
    this.o.onChange?.(this, `exited (${signal ?? `code ${code}`}); restarting in ${Math.round(delay / 100) / 10} s`);
    this.timer = setTimeout(() => {
      this.restarts++;
      this.start();
    }, delay);
  }

  /** SIGTERM, SIGKILL after graceMs; resolves when the process is gone. */
  async stop(graceMs: number): Promise<void> {
    clearTimeout(this.timer);
    const child = this.child;
    if (!child) {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(kill);
  }
}
