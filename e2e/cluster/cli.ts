// make cluster-up / cluster-down: a cluster that outlives the command, for manual use.
// As root it has a real node (kubelet + containerd), so the whole cluster runs in a network
// namespace of its own (procos-cluster); the host's kubectl and helm reach the apiserver
// through two relays joined by a unix socket (relay.ts). Without root: the control plane and
// KWOK alone, on loopback.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../lib/net/free-port.js';
import { projectRoot } from '../../lib/cli/version.js';
import { waitUntil } from '../../lib/testing/wait-for.js';
import { startControlPlane } from './control-plane.js';
import {
  createNetns,
  isAlive,
  openHostState,
  readHostState,
  releaseHostState,
  releaseStale,
  updateHostState,
} from './host-state.js';
import { NODE_BRIDGE } from './node-network.js';

// PROCOS_CLUSTER_NAME lets a test run its own cluster-up beside a user's.
const name = process.env.PROCOS_CLUSTER_NAME ?? 'cluster';
const dir = join(projectRoot(), '.cache', name);
const netns = `procos-${name}`;
const pidsFile = join(dir, 'pids');
const here = fileURLToPath(new URL('.', import.meta.url));
const [command] = process.argv.slice(2);

const readPids = (): number[] =>
  existsSync(pidsFile) ? readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).map(Number) : [];

/** Runs TS file FILE under tsx, like this one; with `log`, detached (it outlives this command). */
function spawnTs(
  file: string,
  args: string[],
  options: { prefix?: string[]; env?: Record<string, string>; log?: string } = {},
) {
  const argv = [...(options.prefix ?? []), process.execPath, ...process.execArgv, join(here, file), ...args];
  const [bin = '', ...rest] = argv;
  const out = options.log ? openSync(options.log, 'a') : 'inherit';
  const child = spawn(bin, rest, {
    stdio: ['ignore', out, out],
    detached: options.log !== undefined,
    env: { ...process.env, ...options.env },
  });
  if (typeof out === 'number') {
    closeSync(out);
    child.unref();
  }
  return child;
}

async function stopPids(pids: number[]): Promise<void> {
  const signal = (pid: number, sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  for (const pid of [...pids].reverse()) signal(pid, 'SIGTERM');
  // kube-apiserver drains its watches for a while after SIGTERM; do not wait forever.
  for (let t = 0; t < 25 && pids.some(isAlive); t++) await new Promise((r) => setTimeout(r, 200));
  for (const pid of pids) signal(pid, 'SIGKILL');
}

async function down(): Promise<boolean> {
  const pids = readPids();
  const hadState = readHostState(name) !== undefined;
  if (pids.length === 0 && !hadState) return false;
  await stopPids(pids);
  await releaseHostState(name); // pods, shims, mounts, cgroups, the namespace; sysctls put back
  rmSync(dir, { recursive: true, force: true });
  return true;
}

async function up(): Promise<void> {
  if (readPids().some(isAlive))
    throw new Error(`a cluster runs already (${pidsFile}); run \`make cluster-down\` first`);
  if (existsSync(dir) || readHostState(name)) {
    await down();
    process.stdout.write('cleaned up after a cluster that was not stopped with `make cluster-down`\n');
  }
  if (process.getuid?.() !== 0) {
    const cp = await startControlPlane({ dir, detached: true });
    process.stdout.write(
      `control plane ready in ${readFileSync(join(dir, 'startup-ms'), 'utf8')} ms (KWOK nodes only: a real node needs root)\nexport KUBECONFIG=${cp.kubeconfigPath}\nexport PATH=${cp.bin}:$PATH\n`,
    );
    return;
  }
  const started = Date.now();
  await releaseStale();
  openHostState(name, { netns, dir, ownerPids: [process.pid] });
  createNetns(netns, NODE_BRIDGE);
  const inside = spawnTs('cli.ts', ['up-inside'], {
    prefix: ['nsenter', `--net=/run/netns/${netns}`, '--'],
    env: { PROCOS_NETNS: netns, PROCOS_HOST_STATE: name },
  });
  const code = await new Promise<number | null>((r) => inside.on('exit', r));
  if (code !== 0) {
    await down();
    throw new Error('the cluster did not start (its output is above); everything it started was stopped');
  }
  const info = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as {
    socket: string;
    bin: string;
    images: string[];
  };
  const hostPort = await freePort();
  const relay = spawnTs('relay.ts', ['--listen', `tcp:127.0.0.1:${hostPort}`, '--to', `unix:${info.socket}`], {
    log: join(dir, 'logs', 'relay-host.log'),
  });
  appendFileSync(pidsFile, `\n${relay.pid ?? ''}`);
  const hostKubeconfig = join(dir, 'kubeconfig-host');
  writeFileSync(
    hostKubeconfig,
    readFileSync(join(dir, 'kubeconfig'), 'utf8').replace(
      /server: https:\/\/127\.0\.0\.1:\d+/,
      `server: https://127.0.0.1:${hostPort}`,
    ),
  );
  // Proven from the host the way a user will use it: kubectl through the relays.
  await waitUntil(
    'the apiserver answering through the relays',
    // A failing kubectl throws; waitUntil retries it and shows its error on a timeout.
    () =>
      execFileSync(join(info.bin, 'kubectl'), ['--kubeconfig', hostKubeconfig, 'get', '--raw', '/readyz'], {
        encoding: 'utf8',
        stdio: 'pipe',
      }).trim(),
    (answer) => answer === 'ok',
    { timeoutMs: 10_000, everyMs: 50 },
  );
  // The run is alive while its processes are; once they are all gone, the next run cleans up.
  updateHostState(name, (s) => (s.ownerPids = readPids()));
  process.stdout.write(
    `cluster ready in ${Date.now() - started} ms: a control plane and a real node (kubelet + containerd) in network namespace ${netns}\n` +
      `images on the node: ${info.images.join(', ') || 'none (run `make images`, then cluster-up again)'}\n` +
      `export KUBECONFIG=${hostKubeconfig}\nexport PATH=${info.bin}:$PATH\n` +
      `(run \`make cluster-down\` to stop it and put the host back as it was)\n`,
  );
}

/** Inside the namespace: the cluster, detached, and the relay from a unix socket to the apiserver. */
async function upInside(): Promise<void> {
  const cp = await startControlPlane({ dir, detached: true, realNode: true });
  const socket = join('/run/procos', name, 'apiserver.sock');
  const apiPort = new URL(cp.server).port;
  const relay = spawnTs('relay.ts', ['--listen', `unix:${socket}`, '--to', `tcp:127.0.0.1:${apiPort}`], {
    log: join(dir, 'logs', 'relay-netns.log'),
  });
  appendFileSync(pidsFile, `\n${relay.pid ?? ''}`);
  await waitUntil(
    'the apiserver relay',
    () => existsSync(socket),
    (up) => up,
    { timeoutMs: 10_000 },
  );
  // The images `make images` built, on the node (as `kind load` would), so the chart's presets run.
  const images = join(projectRoot(), 'dist', 'images');
  const built = existsSync(join(images, 'images.json'))
    ? (JSON.parse(readFileSync(join(images, 'images.json'), 'utf8')) as { images: { tag: string; archive: string }[] })
        .images
    : [];
  for (const image of built) cp.node?.importImage(join(images, image.archive));
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ socket, bin: cp.bin, images: built.map((i) => i.tag) }));
}

if (command === 'up') await up();
else if (command === 'up-inside') await upInside();
else if (command === 'down')
  process.stdout.write((await down()) ? 'cluster stopped; host state restored\n' : 'no cluster running\n');
else {
  process.stderr.write('usage: tsx e2e/cluster/cli.ts up|down\n');
  process.exitCode = 2;
}
