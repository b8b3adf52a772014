// Runs a command (the e2e suite) inside a network namespace made for it, so a real node can
// have a non-loopback address without anything listening on the machine's interfaces (issue 10):
//   tsx e2e/cluster/in-netns.ts -- npx vitest run -c vitest.e2e.config.ts
// Only the network namespace changes (nsenter --net): the file system and mounts stay the host's,
// so kubelet's volume mounts and containerd's see the same tree. On exit — the command's, or a
// signal's — what the run left is removed and the sysctls kubelet changed are put back; a run that
// was killed outright is cleaned up by the next one. With E2E_KUBECONFIG the command runs as is.
import { execFileSync, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { createNetns, openHostState, releaseHostState, releaseStale } from './host-state.js';
import { NODE_BRIDGE } from './node-network.js';

const separator = process.argv.indexOf('--');
const command = separator >= 0 ? process.argv.slice(separator + 1) : [];
if (command.length === 0) {
  process.stderr.write('usage: tsx e2e/cluster/in-netns.ts -- COMMAND [ARGS…]\n');
  process.exit(2);
}

function requireTool(tool: string, pkg: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
  } catch {
    throw new Error(`in-netns: \`${tool}\` is missing; install it with: apt-get install ${pkg}`);
  }
}

async function main(): Promise<number> {
  if (process.env.E2E_KUBECONFIG) return run(command, {});
  if (process.getuid?.() !== 0)
    throw new Error(
      'in-netns: the e2e cluster runs a real kubelet in a network namespace of its own, which needs root. Run `make e2e` as root (CI does), or point E2E_KUBECONFIG at a cluster.',
    );
  requireTool('ip', 'iproute2');
  requireTool('nsenter', 'util-linux');
  for (const id of await releaseStale())
    process.stderr.write(`in-netns: cleaned up after an earlier run that did not finish (${id})\n`);
  const id = `e2e-${process.pid}`;
  const netns = `procos-${id}`;
  openHostState(id, { netns, ownerPids: [process.pid] });
  let code = 1;
  try {
    createNetns(netns, NODE_BRIDGE);
    code = await run(['nsenter', `--net=/run/netns/${netns}`, '--', ...command], {
      PROCOS_NETNS: netns,
      PROCOS_HOST_STATE: id,
    });
  } finally {
    await releaseHostState(id);
  }
  return code;
}

function run(argv: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const [file = '', ...args] = argv;
    const child = spawn(file, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    // Ctrl-C reaches the whole foreground group anyway; a TERM to this process is passed on.
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGTERM', forward);
    process.on('SIGINT', () => undefined);
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

process.exitCode = await main();
