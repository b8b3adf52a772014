// A real Kubernetes control plane on loopback for e2e tests: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and KWOK (fake nodes whose pods go Running),
// all built from their Go modules by build.sh.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../cli/free-port.js';
import { kubeconfig, makePki, type Pki } from './pki.js';

const here = fileURLToPath(new URL('.', import.meta.url));

export interface ControlPlane {
  dir: string;
  bin: string;
  kubeconfigPath: string;
  server: string;
  /** Runs kubectl against this cluster; returns stdout. Throws with stderr on failure. */
  kubectl(args: string[], input?: string): string;
  restartApiserver(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds (once, cached) the binaries and returns their folder. */
export function buildBinaries(): string {
  const out = execFileSync('bash', [join(here, 'build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const bin = out.trim().split('\n').pop();
  if (!bin) throw new Error('build.sh printed no bin folder');
  return bin;
}

async function waitFor(
  what: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
  proc?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && proc.exitCode !== null)
      throw new Error(`${what}: the process exited with code ${proc.exitCode} (see its log)`);
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface ControlPlaneOptions {
  dir?: string;
  nodes?: number;
  /** Keep running after this process exits (make cluster-up); pids go to DIR/pids. */
  detached?: boolean;
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const started = Date.now();
  const bin = buildBinaries();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'procos-cluster-'));
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const pki: Pki = makePki(dir);
  const procs = new Map<string, ChildProcess>();
  const run = (name: string, args: string[]): ChildProcess => {
    const log = openSync(join(dir, 'logs', `${name}.log`), 'a');
    const p = spawn(join(bin, name), args, { stdio: ['ignore', log, log], detached: options.detached ?? false });
    if (options.detached) p.unref();
    procs.set(name, p);
    writeFileSync(join(dir, 'pids'), [...procs.values()].map((x) => x.pid).join('\n'));
    return p;
  };

  const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const etcd = run('etcd', [
    '--name=node0',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=node0=http://127.0.0.1:${etcdPeer}`,
    '--unsafe-no-fsync=true',
  ]);
  await waitFor(
    'etcd',
    () =>
      fetch(`${etcdUrl}/health`).then(
        (r) => r.ok,
        () => false,
      ),
    30_000,
    etcd,
  );

  const server = `https://127.0.0.1:${apiPort}`;
  const apiserverArgs = [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    // Advertise loopback and skip the endpoints reconciler: nothing here may route off the machine.
    '--advertise-address=127.0.0.1',
    '--endpoint-reconciler-type=none',
    `--secure-port=${apiPort}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.saPub}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--authorization-mode=Node,RBAC',
    '--allow-privileged=true',
  ];
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfig(pki, server));
  const kubectl = (args: string[], input?: string): string => {
    try {
      return execFileSync(join(bin, 'kubectl'), ['--kubeconfig', kubeconfigPath, ...args], {
        encoding: 'utf8',
        input,
        stdio: ['pipe', 'pipe', 'pipe'],
        maxBuffer: 512 * 1024 * 1024,
      });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string };
      throw new Error(`kubectl ${args.join(' ')} failed: ${e.stderr ?? ''}${e.stdout ?? ''}`);
    }
  };
  const apiserverReady = (): boolean => {
    try {
      return kubectl(['get', '--raw', '/readyz']).trim() === 'ok';
    } catch {
      return false;
    }
  };
  let apiserver = run('kube-apiserver', apiserverArgs);
  await waitFor('kube-apiserver', apiserverReady, 90_000, apiserver);

  run('kube-controller-manager', [
    `--kubeconfig=${kubeconfigPath}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${kcmPort}`,
    '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
    '--leader-elect=false',
    `--root-ca-file=${pki.caCert}`,
    `--service-account-private-key-file=${pki.saKey}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    '--use-service-account-credentials=false',
    '--node-monitor-grace-period=3m20s',
    '--controllers=*,-nodeipam,-service-lb-controller,-cloud-node-lifecycle',
  ]);
  run('kube-scheduler', [
    `--kubeconfig=${kubeconfigPath}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${schedPort}`,
    '--leader-elect=false',
    '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
  ]);
  const stages = join(bin, 'kwok-stages');
  run('kwok', [
    `--kubeconfig=${kubeconfigPath}`,
    '--manage-all-nodes=true',
    '--node-lease-duration-seconds=200',
    `--config=${join(stages, 'node/fast/node-initialize.yaml')}`,
    `--config=${join(stages, 'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml')}`,
    `--config=${join(stages, 'pod/fast/pod-ready.yaml')}`,
    `--config=${join(stages, 'pod/fast/pod-complete.yaml')}`,
    `--config=${join(stages, 'pod/fast/pod-delete.yaml')}`,
  ]);
  for (let i = 0; i < (options.nodes ?? 1); i++) kubectl(['apply', '-f', '-'], fakeNode(`kwok-node-${i}`));
  await waitFor(
    'KWOK nodes Ready',
    () => {
      try {
        kubectl(['wait', '--for=condition=Ready', 'node', '--all', '--timeout=2s']);
        return true;
      } catch {
        return false;
      }
    },
    60_000,
  );
  writeFileSync(join(dir, 'startup-ms'), String(Date.now() - started));

  return {
    dir,
    bin,
    kubeconfigPath,
    server,
    kubectl,
    async restartApiserver() {
      // Like a crash: kube-apiserver's graceful shutdown drains watches for many seconds.
      await stopProcess(apiserver, 2000);
      apiserver = run('kube-apiserver', apiserverArgs);
      await waitFor('kube-apiserver after restart', apiserverReady, 90_000, apiserver);
    },
    async stop() {
      for (const name of ['kwok', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd']) {
        const p = procs.get(name);
        if (p) await stopProcess(p);
      }
    },
  };
}

function stopProcess(p: ChildProcess, graceMs = 10_000): Promise<void> {
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

/** A Node object KWOK manages: annotated and labelled like kwokctl's nodes, tainted for KWOK. */
function fakeNode(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    spec: {},
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
    },
  });
}
