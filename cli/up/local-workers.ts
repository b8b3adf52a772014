// A WorkerPool's Deployment, run on this machine: what kubelet and the Deployment controller do
// on a cluster, done with local processes. The operator's plan (planPool) hands over the same
// Deployment and ConfigMap manifests it applies to a cluster; this runs the Deployment's
// container command — procos-worker with the pool file from the ConfigMap — `replicas` times,
// with the paths of its volumes mapped to folders here, and reports back the Deployment status
// and pod problems the plan reads (CrashLoopBackOff when a worker keeps exiting).
//
// What a machine cannot do is not pretended: the pod's image, securityContext, resources and
// NetworkPolicy have no local equivalent; scripts are still sandboxed by the worker itself
// (bubblewrap, prlimit), and the http adapter still enforces the policy's egress allowlist.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentState, PodProblem } from '../../operator/controllers/pool/pool-plan.js';
import { POOL_FILE_DIR, SECRETS_DIR, type KubeManifest } from '../../operator/controllers/pool/worker-objects.js';
import { freePort } from '../../lib/net/free-port.js';
import { SupervisedProcess, type SupervisedOptions } from './supervised-process.js';

interface Container {
  args: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
}

export interface LocalWorkersOptions {
  /** `<namespace>/<pool>`: names the folder and the processes. */
  key: string;
  /** Where this pool's files live (.procos/pools/<namespace>/<pool>). */
  dir: string;
  /** Folder of Secrets: <secretsDir>/<secret name>/<key>, like a Secret volume each. */
  secretsDir: string;
  logDir: string;
  /** How the worker binary is started (node bin/procos-worker.js). */
  command: string;
  commandArgs: string[];
  baseEnv: NodeJS.ProcessEnv;
  onChange: (what: string) => void;
  registry?: SupervisedOptions['registry'];
}

interface Replica {
  proc: SupervisedProcess;
  /** The template the replica was started from: a changed template replaces it. */
  templateHash: string;
}

export class LocalWorkers {
  private replicas: Replica[] = [];
  private desired = 0;
  private template?: { hash: string; container: Container };
  private appliedHash?: string;
  private generation = 0;
  private poolFileData?: Record<string, string>;
  private secretNames: string[] = [];
  private converging?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(private readonly o: LocalWorkersOptions) {}

  /** The ConfigMap the plan applied: its keys become the files of the pool folder. */
  applyConfigMap(cm: KubeManifest): void {
    const data = (cm as { data?: Record<string, string> }).data ?? {};
    this.poolFileData = data;
    const dir = join(this.o.dir, 'pool');
    mkdirSync(dir, { recursive: true });
    for (const [k, v] of Object.entries(data)) writeFileSync(join(dir, k), v);
  }

  /** The Deployment the plan applied: replicas and the template to run. */
  applyDeployment(d: KubeManifest, hash: string): void {
    const spec = d.spec as {
      replicas: number;
      template: {
        metadata: unknown;
        spec: { containers: Container[]; volumes?: { projected?: { sources: { secret: { name: string } }[] } }[] };
      };
    };
    const container = spec.template.spec.containers[0];
    if (!container) throw new Error(`Deployment of ${this.o.key} has no container`);
    const templateHash = createHash('sha256').update(JSON.stringify(spec.template)).digest('hex');
    if (templateHash !== this.template?.hash) this.generation++;
    this.template = { hash: templateHash, container };
    this.secretNames = (spec.template.spec.volumes ?? []).flatMap((v) =>
      (v.projected?.sources ?? []).map((s) => s.secret.name),
    );
    this.desired = spec.replicas;
    this.appliedHash = hash;
    this.converge();
  }

  /** What the plan reads back, as a Deployment's spec and status would say it. */
  state(): DeploymentState | undefined {
    if (!this.template) return undefined;
    const current = this.replicas.filter((r) => r.templateHash === this.template?.hash);
    return {
      specReplicas: this.desired,
      generation: this.generation,
      appliedHash: this.appliedHash,
      status: {
        observedGeneration: this.generation,
        replicas: this.replicas.length,
        readyReplicas: this.replicas.filter((r) => r.proc.state === 'ready').length,
        updatedReplicas: current.length,
      },
    };
  }

  /** A worker that keeps exiting is the local CrashLoopBackOff. */
  problems(): PodProblem[] {
    return this.replicas.flatMap(({ proc }): PodProblem[] =>
      proc.state === 'backoff' && proc.failures >= 2
        ? [
            {
              pod: proc.o.name,
              reason: 'CrashLoopBackOff',
              message:
                `worker ${proc.o.name} keeps exiting (last exit ${proc.lastExit?.signal ?? `code ${proc.lastExit?.code ?? '?'}`}); ` +
                `see procos logs ${this.o.key.split('/')[1] ?? ''} (${proc.o.logFile})`,
            },
          ]
        : [],
    );
  }

  /** Addresses of the ready workers' /ready (what health monitoring checks). */
  readyUrls(): string[] {
    return this.replicas.map((r) => r.proc.o.readyUrl ?? '').filter(Boolean);
  }

  private converge(): void {
    if (this.converging) {
      this.again = true;
      return;
    }
    this.converging = this.step().finally(() => {
      this.converging = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.converge();
      }
    });
  }

  /** One Deployment-controller pass: replace outdated replicas, then scale to the wanted number. */
  private async step(): Promise<void> {
    const t = this.template;
    if (!t || this.stopped) return;
    const outdated = this.replicas.filter((r) => r.templateHash !== t.hash);
    // Replace one at a time, newest first, so the pool keeps serving while it rolls.
    for (const r of outdated.reverse()) {
      await this.remove(r);
      if (this.replicas.length < this.desired) await this.add(t);
    }
    while (this.replicas.length < this.desired && !this.isStopped()) await this.add(t);
    while (this.replicas.length > this.desired) {
      const last = this.replicas[this.replicas.length - 1];
      if (last) await this.remove(last);
    }
  }

  /** Read through a call: stop() may run while a step awaits. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private usedIndexes(): Set<number> {
    return new Set(this.replicas.map((r) => Number(/-(\d+)$/.exec(r.proc.o.name)?.[1] ?? -1)));
  }

  private async add(t: { hash: string; container: Container }): Promise<void> {
    const used = this.usedIndexes();
    let i = 0;
    while (used.has(i)) i++;
    const name = `${this.o.key.replace('/', '-')}-${i}`;
    const port = await freePort();
    const args = this.localArgs(t.container.args, port, name);
    const proc = new SupervisedProcess({
      name,
      command: this.o.command,
      args: [...this.o.commandArgs, ...args],
      env: { ...this.o.baseEnv, ...this.localEnv(t.container) },
      logFile: join(this.o.logDir, `${name}.log`),
      readyUrl: `http://127.0.0.1:${port}/ready`,
      onChange: (p, what) => this.o.onChange(`worker ${p.o.name} ${what}`),
      registry: this.o.registry,
    });
    this.replicas.push({ proc, templateHash: t.hash });
    proc.start();
  }

  private async remove(r: Replica): Promise<void> {
    this.replicas = this.replicas.filter((x) => x !== r);
    // The drain the pod gets: terminationGracePeriodSeconds, then SIGKILL.
    const drain = Number(this.argValue(r.proc.o.args, '--drain-seconds') ?? 25);
    await r.proc.stop((drain + 10) * 1000);
  }

  private argValue(args: string[], flag: string): string | undefined {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  }

  /** The container's args with its volumes' paths and its listen address made local. */
  private localArgs(args: string[], port: number, name: string): string[] {
    const out = args.map((a) =>
      a
        .replace(POOL_FILE_DIR, join(this.o.dir, 'pool'))
        .replace(SECRETS_DIR, this.secretsFolder())
        .replace(/^0\.0\.0\.0$/, '127.0.0.1'),
    );
    const portAt = out.indexOf('--http-port');
    if (portAt >= 0) out[portAt + 1] = String(port);
    return [...out, '--worker-name', name];
  }

  /** The projected volume of the pool's Secrets: one folder with every key (a link per file). */
  private secretsFolder(): string {
    const dir = join(this.o.dir, 'secrets');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const s of this.secretNames) {
      const from = join(this.o.secretsDir, s);
      if (!existsSync(from)) continue;
      for (const key of readdirSync(from)) symlinkSync(join(from, key), join(dir, key));
    }
    return dir;
  }

  private localEnv(c: Container): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of c.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) {
        const file = join(this.o.secretsDir, ref.name, ref.key);
        // Read when the worker starts, like kubelet resolves valueFrom at container start.
        if (existsSync(file)) env[e.name] = readFileSync(file, 'utf8');
      }
    }
    return env;
  }

  /** Replaces every worker, one at a time (a rollout restart). */
  restart(): void {
    for (const r of this.replicas) r.templateHash = '';
    this.converge();
  }

  /** Drains every worker (SIGTERM, their drain period, then SIGKILL). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.converging;
    await Promise.all([...this.replicas].map((r) => this.remove(r)));
  }

  get poolFile(): Record<string, string> | undefined {
    return this.poolFileData;
  }
}
