// One process of the test cluster (etcd, kube-apiserver, …, containerd, kubelet), supervised: an exit that
// nobody asked for is recorded with the tail of the component's log, and its health endpoint
// can be probed on demand. Issue 8: a controller-manager that died at start went unnoticed.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';

export type HealthProbe = () => Promise<string | undefined>;

export interface ComponentSpec {
  name: string;
  binary: string;
  args: string[];
  logFile: string;
  /** Resolves undefined when serving, else what is wrong. */
  health: HealthProbe;
  detached?: boolean;
  /** Added to the environment it inherits. */
  env?: Record<string, string>;
}

export class Component {
  private child: ChildProcess;
  private stopping = false;
  /** Set when the process exited without being asked to. */
  died?: string;

  constructor(readonly spec: ComponentSpec) {
    this.child = this.start();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private start(): ChildProcess {
    const log = openSync(this.spec.logFile, 'a');
    const child = spawn(this.spec.binary, this.spec.args, {
      stdio: ['ignore', log, log],
      detached: this.spec.detached ?? false,
      env: { ...process.env, ...this.spec.env },
    });
    closeSync(log); // the child holds its own copy
    if (this.spec.detached) child.unref();
    this.stopping = false;
    this.died = undefined;
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.died = `${this.spec.name} exited (${signal ? `signal ${signal}` : `code ${String(code)}`}); last lines of its log ${this.spec.logFile}:\n${this.logTail()}`;
      // Loud at once, not only when the next check runs: the test output shows why.
      process.stderr.write(`\n[cluster] ${this.died}\n`);
    });
    return child;
  }

  logTail(lines = 20): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** undefined when alive and its health endpoint answers, else what is wrong. */
  async check(): Promise<string | undefined> {
    if (this.died) return this.died;
    const problem = await this.spec.health().catch((err: unknown) => String(err));
    return problem && `${this.spec.name} is not serving: ${problem}`;
  }

  /** Waits until the health endpoint answers; fails at once if the process exits. */
  async waitServing(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: string | undefined;
    for (;;) {
      if (this.died) throw new Error(this.died);
      last = await this.check();
      if (!last) return;
      if (Date.now() > deadline)
        throw new Error(
          `${this.spec.name} did not become healthy within ${timeoutMs / 1000} s (${last}); last lines of ${this.spec.logFile}:\n${this.logTail()}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** SIGTERM, then SIGKILL after graceMs. Resolves when the process is gone. */
  stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const p = this.child;
    return new Promise((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) return resolve();
      const force = setTimeout(() => p.kill('SIGKILL'), graceMs);
      p.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      p.kill('SIGTERM');
    });
  }

  async restart(graceMs: number): Promise<void> {
    await this.stop(graceMs);
    this.child = this.start();
  }
}

/** GET url; undefined when the status is 2xx and the body matches `expect`, else why not. */
export function probeHttp(url: string, expect: RegExp, tls?: RequestOptions): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    // agent: false — a fresh connection each time: Node's default keep-alive agent may hand out
    // a socket the server already closed, and the probe would report a healthy component as down.
    const req = request(url, { ...tls, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300 && expect.test(body);
        resolve(ok ? undefined : `GET ${url} answered ${String(res.statusCode)}: ${body.slice(0, 300)}`);
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (err) => resolve(`GET ${url} failed: ${err.message}`));
    req.end();
  });
}

/** Runs a command; undefined when it exits 0, else its output (e.g. `ctr version` for containerd). */
export function probeCommand(file: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 5000 }, (err, stdout, stderr) =>
      resolve(
        err ? `${file} ${args.join(' ')} failed: ${(stderr || stdout || err.message).trim().slice(0, 300)}` : undefined,
      ),
    );
  });
}
