// make cluster-up / cluster-down: a control plane that outlives the command, for manual use.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../lib/cli/version.js';
import { startControlPlane } from './control-plane.js';

const dir = join(projectRoot(), '.cache', 'cluster');
const [command] = process.argv.slice(2);

if (command === 'up') {
  if (existsSync(join(dir, 'pids')))
    throw new Error(`a cluster seems to run already (${dir}/pids); run \`make cluster-down\` first`);
  const cp = await startControlPlane({ dir, detached: true });
  process.stdout.write(
    `control plane ready in ${readFileSync(join(dir, 'startup-ms'), 'utf8')} ms\nexport KUBECONFIG=${cp.kubeconfigPath}\nexport PATH=${cp.bin}:$PATH\n`,
  );
} else if (command === 'down') {
  const pidsFile = join(dir, 'pids');
  if (!existsSync(pidsFile)) {
    process.stdout.write('no cluster running\n');
  } else {
    const pids = readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).reverse().map(Number);
    const signal = (pid: number, sig: NodeJS.Signals | 0): boolean => {
      try {
        process.kill(pid, sig);
        return true;
      } catch {
        return false; // already gone
      }
    };
    for (const pid of pids) signal(pid, 'SIGTERM');
    // kube-apiserver drains its watches for a while after SIGTERM; do not wait forever.
    for (let t = 0; t < 50 && pids.some((pid) => signal(pid, 0)); t++) await new Promise((r) => setTimeout(r, 200));
    for (const pid of pids) signal(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write('control plane stopped\n');
  }
} else {
  process.stderr.write('usage: tsx e2e/cluster/cli.ts up|down\n');
  process.exitCode = 2;
}
