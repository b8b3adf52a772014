// A real Kubernetes control plane on loopback for e2e tests: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and KWOK (fake nodes whose pods go Running),
// all built from their Go modules by build.sh; with `realNode`, also a real kubelet + containerd
// (node.ts) — then the whole cluster must run in the network namespace in-netns.ts made.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../lib/net/free-port.js';
import { Component, probeHttp } from './component.js';
import { readHostState, updateHostState } from './host-state.js';
import { assertRealNodePossible, startRealNode, type RealNode } from './node.js';
import { NODE_IP, SERVICE_SUBNET } from './node-network.js';
import { kubeconfig, makePki, type Pki } from './pki.js';

const here = fileURLToPath(new URL('.', import.meta.url));

export interface ControlPlane {
  dir: string;
  bin: string;
  kubeconfigPath: string;
  server: string;
  /** Runs kubectl against this cluster; returns stdout. Throws with stderr on failure. */
  kubectl(args: string[], input?: string): string;
  /** Throws, naming the component and the tail of its log, unless every component is alive and serving. */
  assertServing(): Promise<void>;
  restartApiserver(): Promise<void>;
  /** The real node (kubelet + containerd), when asked for. */
  node?: RealNode;
  /** Stops every component and removes the folder (keys included) unless PROCOS_E2E_KEEP=1. */
  stop(): Promise<void>;
}

/** Builds (once, cached) the binaries; returns the control plane's folder and the node's. */
export function buildAllBinaries(): { bin: string; nodeBin: string } {
  const out = execFileSync('bash', [join(here, 'build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = out.trim().split('\n');
  const bin = lines.pop();
  const nodeBin = lines.find((l) => l.startsWith('PROCOS_NODE_BIN='))?.slice('PROCOS_NODE_BIN='.length);
  if (!bin || !nodeBin) throw new Error(`build.sh printed no bin folders: ${out}`);
  return { bin, nodeBin };
}

/** Builds (once, cached) the binaries and returns the control plane's folder. */
export function buildBinaries(): string {
  return buildAllBinaries().bin;
}

export interface ControlPlaneOptions {
  dir?: string;
  nodes?: number;
  /** Keep running after this process exits (make cluster-up); pids go to DIR/pids. */
  detached?: boolean;
  /** Add a real node (kubelet + containerd); KWOK then has no node unless `nodes` asks for some. */
  realNode?: boolean;
}

// Started in this order, stopped in reverse.
const ORDER = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const started = Date.now();
  const { bin, nodeBin } = buildAllBinaries();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'procos-cluster-'));
  // Under in-netns.ts, a test process that dies before stop() still has its folder (private keys) removed.
  const stateId = process.env.PROCOS_HOST_STATE;
  if (!options.dir && stateId && readHostState(stateId))
    updateHostState(stateId, (s) => (s.tempDirs = [...(s.tempDirs ?? []), dir]));
  const components = new Map<string, Component>();
  let node: RealNode | undefined;
  const stopAll = async (): Promise<void> => {
    await node?.stop();
    for (const name of [...ORDER].reverse()) await components.get(name)?.stop();
  };
  // Only inside the harness's own network namespace may anything listen beyond loopback.
  if (options.realNode) assertRealNodePossible();
  const listen = options.realNode ? '0.0.0.0' : '127.0.0.1';
  const advertise = options.realNode ? NODE_IP : '127.0.0.1';
  try {
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const pki: Pki = makePki(dir, options.realNode ? [NODE_IP] : []);
    const tls = { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) };
    const ports = { etcd: 0, etcdPeer: 0, api: 0, kcm: 0, scheduler: 0, kwok: 0 };
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    const run = async (name: (typeof ORDER)[number], args: string[], healthUrl: string, expect: RegExp) => {
      const c = new Component({
        name,
        binary: join(bin, name),
        args,
        logFile: join(dir, 'logs', `${name}.log`),
        detached: options.detached,
        health: () => probeHttp(healthUrl, expect, tls),
      });
      components.set(name, c);
      writeFileSync(join(dir, 'pids'), [...components.values()].map((x) => x.pid).join('\n'));
      await c.waitServing(90_000);
    };

    const etcdUrl = `http://127.0.0.1:${ports.etcd}`;
    await run(
      'etcd',
      [
        '--name=node0',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
        `--initial-cluster=node0=http://127.0.0.1:${ports.etcdPeer}`,
        '--unsafe-no-fsync=true',
      ],
      `${etcdUrl}/health`,
      /"health":\s*"true"/,
    );

    const server = `https://127.0.0.1:${ports.api}`;
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
    await run(
      'kube-apiserver',
      [
        `--etcd-servers=${etcdUrl}`,
        // Loopback; with a real node all interfaces of the test's own network namespace, so pods reach it.
        `--bind-address=${listen}`,
        // With a real node the `kubernetes` Service points at the node's address (inside the test's
        // network namespace), so pods reach the apiserver through kube-proxy as on any cluster.
        // Without one, no endpoints at all: nothing here may route off the machine.
        `--advertise-address=${advertise}`,
        `--endpoint-reconciler-type=${options.realNode ? 'lease' : 'none'}`,
        // For logs, exec and port-forward through a real kubelet (verified against the test CA).
        `--kubelet-client-certificate=${pki.adminCert}`,
        `--kubelet-client-key=${pki.adminKey}`,
        `--kubelet-certificate-authority=${pki.caCert}`,
        '--kubelet-preferred-address-types=InternalIP',
        `--secure-port=${ports.api}`,
        `--tls-cert-file=${pki.serverCert}`,
        `--tls-private-key-file=${pki.serverKey}`,
        `--client-ca-file=${pki.caCert}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        `--service-cluster-ip-range=${SERVICE_SUBNET}`,
        '--authorization-mode=Node,RBAC',
        '--allow-privileged=true',
      ],
      `${server}/readyz`,
      /^ok$/,
    );

    // The controller manager and scheduler serve /healthz with the apiserver's certificate
    // (its SANs include 127.0.0.1), so the probe verifies them against the test CA.
    const secureServing = (port: number): string[] => [
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
      '--leader-elect=false',
      `--kubeconfig=${kubeconfigPath}`,
    ];
    await run(
      'kube-controller-manager',
      [
        ...secureServing(ports.kcm),
        `--root-ca-file=${pki.caCert}`,
        `--service-account-private-key-file=${pki.saKey}`,
        `--cluster-signing-cert-file=${pki.caCert}`,
        `--cluster-signing-key-file=${pki.caKey}`,
        '--use-service-account-credentials=false',
        '--node-monitor-grace-period=3m20s',
        // 1.37 knows neither service-lb-controller nor cloud-node-lifecycle: naming them exits at start.
        '--controllers=*,-nodeipam',
      ],
      `https://127.0.0.1:${ports.kcm}/healthz`,
      /^ok$/,
    );
    await run('kube-scheduler', secureServing(ports.scheduler), `https://127.0.0.1:${ports.scheduler}/healthz`, /^ok$/);
    const stages = join(bin, 'kwok-stages');
    await run(
      'kwok',
      [
        `--kubeconfig=${kubeconfigPath}`,
        // Only the fake nodes (annotated by fakeNode below): never the real kubelet's node.
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        '--node-lease-duration-seconds=200',
        `--server-address=127.0.0.1:${ports.kwok}`,
        `--config=${join(stages, 'node/fast/node-initialize.yaml')}`,
        `--config=${join(stages, 'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml')}`,
        `--config=${join(stages, 'pod/fast/pod-ready.yaml')}`,
        `--config=${join(stages, 'pod/fast/pod-complete.yaml')}`,
        `--config=${join(stages, 'pod/fast/pod-delete.yaml')}`,
      ],
      `http://127.0.0.1:${ports.kwok}/healthz`,
      /^ok$/,
    );
    for (let i = 0; i < (options.nodes ?? (options.realNode ? 0 : 1)); i++)
      kubectl(['apply', '-f', '-'], fakeNode(`kwok-node-${i}`));
    if (options.realNode) node = await startRealNode({ dir, nodeBin, pki, server, detached: options.detached });
    if (node)
      writeFileSync(join(dir, 'pids'), [...components.values(), ...node.components].map((x) => x.pid).join('\n'));
    await waitNodesReady(kubectl);

    const assertServing = async (): Promise<void> => {
      const all = [...components.values(), ...(node?.components ?? [])];
      const problems = (await Promise.all(all.map((c) => c.check()))).filter(Boolean);
      if (problems.length) throw new Error(`the control plane is broken:\n${problems.join('\n')}`);
    };
    await assertServing();
    writeFileSync(join(dir, 'startup-ms'), String(Date.now() - started));

    return {
      dir,
      bin,
      kubeconfigPath,
      server,
      kubectl,
      assertServing,
      node,
      async restartApiserver() {
        // Like a crash: kube-apiserver's graceful shutdown drains watches for many seconds.
        const apiserver = components.get('kube-apiserver');
        await apiserver?.restart(2000);
        await apiserver?.waitServing(90_000);
      },
      async stop() {
        await stopAll();
        if (!options.dir && process.env.PROCOS_E2E_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    // A half-started control plane must not outlive the failure (nor leave its keys in /tmp).
    if (!options.detached) {
      await stopAll();
      if (!options.dir && process.env.PROCOS_E2E_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
    }
    throw err;
  }
}

/** Every node Ready; the real one registers itself, so wait until it exists before waiting on it. */
async function waitNodesReady(kubectl: (args: string[]) => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (kubectl(['get', 'nodes', '-o', 'name']).trim() === '') {
    if (Date.now() > deadline) throw new Error('no node registered within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  kubectl(['wait', '--for=condition=Ready', 'node', '--all', '--timeout=60s']);
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
