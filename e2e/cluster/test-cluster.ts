// The cluster an e2e test file runs against: E2E_KUBECONFIG (kind, k3d, any cluster) if set,
// else a fresh real control plane on loopback.
import { execFile, execFileSync } from 'node:child_process';
import { buildBinaries, startControlPlane, type ControlPlane } from './control-plane.js';

export interface TestCluster {
  kubectl(args: string[], input?: string): string;
  /** kubectl that resolves with { code, stdout, stderr } instead of throwing. */
  tryKubectl(args: string[], input?: string): { code: number; stdout: string; stderr: string };
  /** kubectl in the background (the test goes on meanwhile); resolves with stdout. */
  kubectlAsync(args: string[], input?: string): Promise<string>;
  kubeconfigPath: string;
  controlPlane?: ControlPlane;
  /** Throws unless every component is alive and serving (on E2E_KUBECONFIG: the apiserver's /readyz). */
  assertServing(): Promise<void>;
  stop(): Promise<void>;
}

/** The clusters of the running test file; e2e/cluster/vitest-setup.ts checks them around every test. */
export const activeClusters = new Set<TestCluster>();

/** Installs crds/ (server-side apply) and waits until the apiserver serves them. */
export function installCrds(cluster: TestCluster, crdDir: string): void {
  cluster.kubectl(['apply', '--server-side', '--field-manager=procos-e2e', '-f', crdDir]);
  cluster.kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd',
    'procosprocesses.procos.io',
    'workerpools.procos.io',
    'sandboxpolicies.procos.io',
  ]);
}

/** `realNode`: a real kubelet + containerd next to KWOK (an E2E_KUBECONFIG cluster has real nodes anyway). */
export async function useCluster(options: { realNode?: boolean } = {}): Promise<TestCluster> {
  const external = process.env.E2E_KUBECONFIG;
  const controlPlane = external ? undefined : await startControlPlane({ realNode: options.realNode });
  const kubeconfigPath = external ?? controlPlane?.kubeconfigPath ?? '';
  const kubectlBin = external ? 'kubectl' : `${controlPlane?.bin ?? buildBinaries()}/kubectl`;
  const tryKubectl = (args: string[], input?: string): { code: number; stdout: string; stderr: string } => {
    try {
      const stdout = execFileSync(kubectlBin, ['--kubeconfig', kubeconfigPath, ...args], {
        encoding: 'utf8',
        input,
        stdio: ['pipe', 'pipe', 'pipe'],
        maxBuffer: 512 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr: '' };
    } catch (err) {
      const e = err as { status?: number; stdout?: string; stderr?: string };
      return { code: e.status ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  let stopped = false;
  const cluster: TestCluster = {
    kubeconfigPath,
    controlPlane,
    tryKubectl,
    async assertServing() {
      if (controlPlane) return controlPlane.assertServing();
      const r = tryKubectl(['get', '--raw', '/readyz']);
      if (r.code !== 0 || r.stdout.trim() !== 'ok')
        throw new Error(`the cluster of E2E_KUBECONFIG is not ready: ${r.stderr}${r.stdout}`);
    },
    kubectl(args, input) {
      const r = tryKubectl(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    kubectlAsync: (args, input) =>
      new Promise((resolve, reject) => {
        const child = execFile(
          kubectlBin,
          ['--kubeconfig', kubeconfigPath, ...args],
          { maxBuffer: 512 * 1024 * 1024 },
          (err, stdout, stderr) =>
            err ? reject(new Error(`kubectl ${args.join(' ')} failed: ${stderr}`)) : resolve(stdout),
        );
        child.stdin?.end(input ?? '');
      }),
    async stop() {
      if (stopped) return; // a test may stop it itself (e.g. to look at the host afterwards)
      stopped = true;
      activeClusters.delete(cluster);
      // Checked once more before stopping: a component that died during the last test fails the file.
      try {
        await cluster.assertServing();
      } finally {
        await controlPlane?.stop();
      }
    },
  };
  activeClusters.add(cluster);
  return cluster;
}
