// What a real node changes on the machine, recorded before and put back after — also after a
// crash (issue 10). kubelet rewrites six kernel sysctls at start (protectKernelDefaults: false);
// containerd and kubelet leave mounts, cgroups and shim processes; the harness makes a network
// namespace. Each run keeps its record in /run/procos/<id>/state.json (tmpfs: a reboot resets
// the sysctls and namespaces too), and the next run releases records whose owners are gone.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '../../lib/testing/wait-for.js';

export const STATE_ROOT = '/run/procos';

/** The sysctls kubelet's container manager sets (pkg/kubelet/cm, setupKernelTunables). */
export const KUBELET_SYSCTLS = [
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
] as const;

/** What one real node leaves on the host until it is cleaned. */
export interface NodeFootprint {
  /** The node's folder (containerd's root, kubelet's root-dir: the volume mounts). */
  dir: string;
  /** Its folder under /run (containerd's state: sandbox shm and netns mounts; sockets). */
  runDir: string;
  /** kubelet's cgroupRoot, e.g. /procos-node-ab12 (created in every hierarchy). */
  cgroup: string;
  /** containerd's socket: its shims carry it on their command line. */
  containerdSocket: string;
  /** The network namespace the node runs in (its CNI bridge is removed from it). */
  netns: string;
}

export interface HostState {
  id: string;
  /** A network namespace this run created and deletes on release. */
  netns?: string;
  /** A folder the run owns (cluster-up's), removed on release. */
  dir?: string;
  /** Temporary folders of the run's clusters (keys, etcd data): removed on release if still there. */
  tempDirs?: string[];
  /** The run is alive while one of these is. */
  ownerPids: number[];
  sysctls: Record<string, string>;
  nodes: NodeFootprint[];
}

const sysctlPath = (name: string): string => `/proc/sys/${name.replace(/\./g, '/')}`;

export function readSysctls(): Record<string, string> {
  return Object.fromEntries(KUBELET_SYSCTLS.map((n) => [n, readFileSync(sysctlPath(n), 'utf8').trim()]));
}

/** Puts the sysctls back unless a node of another live run still runs (its kubelet wants them so). */
export function restoreSysctlsUnlessInUse(id: string, values: Record<string, string>): void {
  if (otherLiveStates(id).some((s) => s.nodes.length > 0)) return;
  restoreSysctls(values);
}

function restoreSysctls(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    if (readFileSync(sysctlPath(name), 'utf8').trim() !== value) writeFileSync(sysctlPath(name), value);
  }
}

const stateFile = (id: string): string => join(STATE_ROOT, id, 'state.json');

export function readHostState(id: string): HostState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(id), 'utf8')) as HostState;
  } catch {
    return undefined;
  }
}

function writeHostState(state: HostState): void {
  mkdirSync(join(STATE_ROOT, state.id), { recursive: true });
  writeFileSync(stateFile(state.id), JSON.stringify(state, null, 2));
}

/** The records of other runs whose owners are alive (two runs may share the machine). */
/** The records of other runs whose owner is alive (another e2e run or cluster on this machine). */
export function otherLiveStates(id: string): HostState[] {
  if (!existsSync(STATE_ROOT)) return [];
  return readdirSync(STATE_ROOT)
    .filter((other) => other !== id)
    .map(readHostState)
    .filter((s): s is HostState => s !== undefined && s.ownerPids.some(isAlive));
}

/**
 * Starts (or joins) the record of run ID; the sysctls are recorded only the first time — and when
 * another live run has a record, its values are the machine's originals (its kubelet may have
 * changed the current ones already).
 */
export function openHostState(id: string, init: { netns?: string; dir?: string; ownerPids: number[] }): HostState {
  const sysctls = otherLiveStates(id)[0]?.sysctls ?? readSysctls();
  const state = readHostState(id) ?? { id, sysctls, nodes: [], ...init };
  state.ownerPids = init.ownerPids;
  writeHostState(state);
  return state;
}

export function updateHostState(id: string, change: (s: HostState) => void): void {
  const state = readHostState(id);
  if (!state) throw new Error(`no host-state record ${stateFile(id)}`);
  change(state);
  writeHostState(state);
}

/** Whether PID runs: a zombie (killed, not yet reaped by an init that reaps slowly) does not. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Every process listed in the cgroup (all its descendants included) of one v1/v2 hierarchy. */
function cgroupPids(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const pids: number[] = [];
  const walk = (d: string): void => {
    try {
      pids.push(...readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
    } catch {
      /* removed meanwhile */
    }
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
  };
  walk(dir);
  return pids;
}

/** The cgroup hierarchies mounted on this machine (v1 controllers, and v2's unified tree). */
export function cgroupHierarchies(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' - '))
    .filter(([, fs]) => /^cgroup2? /.test(fs ?? ''))
    .map(([head]) => unescapeMount((head ?? '').split(' ')[4] ?? ''))
    .filter(Boolean);
}

const unescapeMount = (p: string): string =>
  p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Mount points below DIR, deepest (most recent) first. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => unescapeMount(l.split(' ')[4] ?? ''))
    .filter((p) => p.startsWith(prefix))
    .reverse();
}

/** PIDs of processes whose command line contains NEEDLE (containerd's shims name its socket). */
export function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').includes(needle)) pids.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return pids;
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Repeats STEP (which kills what it finds) until it finds nothing; the deadline only bounds a failure. */
async function until(what: string, step: () => boolean): Promise<void> {
  await waitUntil(`cleaning the host: ${what}`, step, (done) => done, { timeoutMs: 15_000, everyMs: 50 });
}

/**
 * Removes what one node left: pod processes (by its cgroups), shims (by containerd's socket),
 * mounts below its folder, its CNI bridge, its cgroups. Run after kubelet and containerd stopped
 * (or died). Idempotent.
 */
export async function cleanNode(node: NodeFootprint): Promise<void> {
  const hierarchies = cgroupHierarchies();
  const podPids = (): number[] => [...new Set(hierarchies.flatMap((h) => cgroupPids(join(h, node.cgroup))))];
  await until(`killing the pods of ${node.dir}`, () => {
    const pids = podPids();
    killAll(pids);
    return pids.length === 0;
  });
  await until(`stopping the shims of ${node.containerdSocket}`, () => {
    const pids = processesWith(node.containerdSocket).filter(isAlive);
    killAll(pids);
    return pids.length === 0;
  });
  unmountAll(node.dir);
  unmountAll(node.runDir);
  if (netnsExists(node.netns))
    try {
      execFileSync('ip', ['-n', node.netns, 'link', 'del', 'cni0'], { stdio: 'pipe' });
    } catch {
      /* no bridge: no pod had a network */
    }
  for (const h of hierarchies) removeCgroupTree(join(h, node.cgroup));
  rmSync(node.runDir, { recursive: true, force: true });
}

function unmountAll(dir: string): void {
  for (const m of mountsUnder(dir)) {
    try {
      execFileSync('umount', [m], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', m], { stdio: 'pipe' }); // busy: detach now, freed when unused
    }
  }
}

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  rmdirSync(dir); // a cgroup folder goes with rmdir (its files are the kernel's)
}

export function netnsExists(name: string): boolean {
  return existsSync(join('/run/netns', name));
}

/** Cleans every node of run ID, kills what still runs in its namespace, deletes the namespace, restores the sysctls. */
export async function releaseHostState(id: string): Promise<void> {
  const state = readHostState(id);
  if (!state) return;
  for (const node of state.nodes) await cleanNode(node);
  if (state.netns && netnsExists(state.netns)) {
    const inside = (): number[] =>
      execFileSync('ip', ['netns', 'pids', state.netns ?? ''], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map(Number)
        .filter((pid) => pid !== process.pid);
    await until(`stopping what runs in network namespace ${state.netns}`, () => {
      const pids = inside();
      killAll(pids);
      return pids.length === 0;
    });
    execFileSync('ip', ['netns', 'delete', state.netns], { stdio: 'pipe' });
  }
  restoreSysctlsUnlessInUse(id, state.sysctls);
  for (const d of [...(state.tempDirs ?? []), ...(state.dir ? [state.dir] : [])])
    rmSync(d, { recursive: true, force: true });
  unmountAll(join(STATE_ROOT, id));
  rmSync(join(STATE_ROOT, id), { recursive: true, force: true });
}

/** Releases the records of runs whose owners are all gone (a crashed or killed run). Returns their ids. */
export async function releaseStale(): Promise<string[]> {
  if (!existsSync(STATE_ROOT)) return [];
  const stale: string[] = [];
  for (const id of readdirSync(STATE_ROOT)) {
    const state = readHostState(id);
    if (!state || state.ownerPids.some(isAlive)) continue;
    await releaseHostState(id);
    stale.push(id);
  }
  return stale;
}

/** Network namespace NAME with loopback up and a bridge NODE0 holding ADDRESS (a node's IP). */
export function createNetns(name: string, bridge: { name: string; cidr: string }): void {
  const ip = (...args: string[]): void => {
    execFileSync('ip', args, { stdio: 'pipe' });
  };
  ip('netns', 'add', name);
  ip('-n', name, 'link', 'set', 'lo', 'up');
  // This kernel has no dummy driver; an address on an empty bridge is a local address all the same.
  ip('-n', name, 'link', 'add', bridge.name, 'type', 'bridge');
  ip('-n', name, 'addr', 'add', bridge.cidr, 'dev', bridge.name);
  ip('-n', name, 'link', 'set', bridge.name, 'up');
}

/** Whether this process runs in network namespace NAME (compares the namespace inodes). */
export function runsInNetns(name: string): boolean {
  try {
    const self = statSync('/proc/self/ns/net');
    const ns = statSync(join('/run/netns', name));
    return self.ino === ns.ino && self.dev === ns.dev;
  } catch {
    return false;
  }
}
