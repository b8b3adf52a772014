// A real node for the e2e control plane (issue 10): containerd (+ Debian's runc and CNI plugins)
// and a kubelet, supervised like the control plane's components, inside the network namespace
// e2e/cluster/in-netns.ts made. The recipe and its traps: ../shared/notes/real-pods.md.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../lib/net/free-port.js';
import { projectRoot } from '../../lib/cli/version.js';
import { writeDockerArchive } from '../../images/docker-archive.js';
import { Component, probeCommand, probeHttp } from './component.js';
import {
  cgroupHierarchies,
  cleanNode,
  restoreSysctlsUnlessInUse,
  runsInNetns,
  updateHostState,
  type NodeFootprint,
} from './host-state.js';
import { NODE_BRIDGE, NODE_IP, POD_SUBNET, SERVICE_SUBNET } from './node-network.js';
import { clientKubeconfig, makeNodeCerts, type Pki } from './pki.js';

/** The script sandbox's Localhost seccomp profile (`make seccomp-profile`), installed as procos/bwrap.json. */
const SCRIPT_SECCOMP_PROFILE = join(projectRoot(), 'workers', 'sandbox', 'seccomp', 'procos-bwrap.json');

/** Pods' DNS domain: <service>.<namespace>.svc.cluster.local, as on most clusters. */
export const CLUSTER_DOMAIN = 'cluster.local';

/** The sandbox image every pod starts with, built here from the static pause binary. */
export const PAUSE_IMAGE = 'procos.local/pause:e2e';

export interface RealNode {
  name: string;
  ip: string;
  components: Component[];
  /** Imports a docker-archive tar into the node's containerd (namespace k8s.io, as the CRI sees it). */
  importImage(archive: string): void;
  /** `ctr` against this node's containerd; returns stdout. */
  ctr(args: string[]): string;
  stop(): Promise<void>;
}

export interface RealNodeOptions {
  /** The cluster's folder; the node gets DIR/node-NAME. */
  dir: string;
  nodeBin: string;
  pki: Pki;
  /** The apiserver as the kubelet reaches it. */
  server: string;
  detached?: boolean;
}

/** What a real node needs beyond our own binaries, and the package that brings it. */
const HOST_NEEDS: [path: string, pkg: string][] = [
  ['/usr/sbin/runc', 'runc'],
  ['/usr/lib/cni/bridge', 'containernetworking-plugins'],
  ['/usr/lib/cni/host-local', 'containernetworking-plugins'],
  ['/usr/lib/cni/loopback', 'containernetworking-plugins'],
];

/** Throws, saying what is missing and how to get it, unless a real node can run here. */
export function assertRealNodePossible(): { netns: string; stateId: string } {
  const netns = process.env.PROCOS_NETNS;
  const stateId = process.env.PROCOS_HOST_STATE;
  if (!netns || !stateId || !runsInNetns(netns))
    throw new Error(
      'a real node runs only inside the network namespace the e2e harness makes (kubelet needs a non-loopback address, and test traffic must stay off the machine’s interfaces): run the suite with `make e2e`, or wrap the command in `npx tsx e2e/cluster/in-netns.ts -- …`',
    );
  const missing = HOST_NEEDS.filter(([path]) => {
    try {
      execFileSync('test', ['-x', path]);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length)
    throw new Error(
      `a real node needs ${missing.map(([p]) => p).join(', ')}: run \`make host-tools\` (as root: apt-get install ${[...new Set(missing.map(([, pkg]) => pkg))].join(' ')})`,
    );
  if (!cgroupHierarchies().length) throw new Error('a real node needs cgroups mounted under /sys/fs/cgroup');
  return { netns, stateId };
}

export async function startRealNode(options: RealNodeOptions): Promise<RealNode> {
  const { netns, stateId } = assertRealNodePossible();
  const name = `node-${randomBytes(3).toString('hex')}`;
  const dir = join(options.dir, name);
  // Sockets live under /run: a shim's socket path must stay short (the unix socket limit).
  const run = join('/run/procos', stateId, name);
  const footprint: NodeFootprint = {
    dir,
    runDir: run,
    cgroup: `/procos-${name}`,
    containerdSocket: join(run, 'containerd.sock'),
    netns,
  };
  for (const d of ['logs', 'cni', 'pki', 'images', 'pod-logs']) mkdirSync(join(dir, d), { recursive: true });
  mkdirSync(run, { recursive: true });
  updateHostState(stateId, (s) => s.nodes.push(footprint));
  const components: Component[] = [];
  const stop = async (): Promise<void> => {
    for (const c of [...components].reverse()) await c.stop();
    await cleanNode(footprint);
    // Put back what kubelet changed, unless another node (of this run or another) still runs.
    updateHostState(stateId, (s) => {
      s.nodes = s.nodes.filter((n) => n.dir !== dir);
      if (s.nodes.length === 0) restoreSysctlsUnlessInUse(stateId, s.sysctls);
    });
  };
  try {
    // kubelet's cgroupRoot must exist in every hierarchy; runc fills cpuset.cpus/mems of the levels below.
    for (const h of cgroupHierarchies()) mkdirSync(join(h, footprint.cgroup), { recursive: true });
    const ctrArgs = ['--address', footprint.containerdSocket, '--namespace', 'k8s.io'];
    const ctr = (args: string[]): string =>
      execFileSync(join(options.nodeBin, 'ctr'), [...ctrArgs, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });

    writeFileSync(join(dir, 'containerd.toml'), containerdConfig(dir, run));
    writeFileSync(join(dir, 'cni', '10-procos.conflist'), cniConfig(dir));
    const containerd = new Component({
      name: `containerd (${name})`,
      binary: join(options.nodeBin, 'containerd'),
      args: ['--config', join(dir, 'containerd.toml')],
      logFile: join(dir, 'logs', 'containerd.log'),
      detached: options.detached,
      // Its freshly built shim first on PATH: containerd finds `containerd-shim-runc-v2` there.
      env: { PATH: `${options.nodeBin}:${process.env.PATH ?? ''}` },
      health: () => probeCommand(join(options.nodeBin, 'ctr'), ['--address', footprint.containerdSocket, 'version']),
    });
    components.push(containerd);
    await containerd.waitServing(60_000);

    // The sandbox image: the static pause binary alone, non-root like upstream's.
    const pauseRoot = join(dir, 'images', 'pause-rootfs');
    mkdirSync(pauseRoot);
    execFileSync('cp', [join(options.nodeBin, 'pause'), join(pauseRoot, 'pause')]);
    const pauseTar = join(dir, 'images', 'pause.tar');
    writeDockerArchive({
      layers: [pauseRoot],
      tag: PAUSE_IMAGE,
      config: { User: '65535:65535', Entrypoint: ['/pause'] },
      out: pauseTar,
    });
    ctr(['images', 'import', pauseTar]);

    const certs = makeNodeCerts(options.dir, name, NODE_IP);
    writeFileSync(
      join(dir, 'kubeconfig'),
      clientKubeconfig(options.pki.caCert, options.server, certs.clientCert, certs.clientKey),
    );
    // Localhost seccomp profiles live under the kubelet's root: the script sandbox's, as a node
    // setup (or the Security Profiles Operator) installs it in a real cluster.
    mkdirSync(join(dir, 'kubelet', 'seccomp', 'procos'), { recursive: true });
    copyFileSync(SCRIPT_SECCOMP_PROFILE, join(dir, 'kubelet', 'seccomp', 'procos', 'bwrap.json'));
    const ports = { kubelet: await freePort(), healthz: await freePort() };
    writeFileSync(
      join(dir, 'kubelet.yaml'),
      kubeletConfig({
        dir,
        pki: options.pki,
        certs,
        ports,
        cgroup: footprint.cgroup,
        socket: footprint.containerdSocket,
      }),
    );
    const kubelet = new Component({
      name: `kubelet (${name})`,
      binary: join(options.nodeBin, 'kubelet'),
      args: [
        `--config=${join(dir, 'kubelet.yaml')}`,
        `--kubeconfig=${join(dir, 'kubeconfig')}`,
        `--hostname-override=${name}`,
        `--node-ip=${NODE_IP}`,
        `--root-dir=${join(dir, 'kubelet')}`,
        `--cert-dir=${join(dir, 'pki')}`,
        '--node-labels=procos.io/e2e-node=real',
      ],
      logFile: join(dir, 'logs', 'kubelet.log'),
      detached: options.detached,
      health: () => probeHttp(`http://127.0.0.1:${ports.healthz}/healthz`, /^ok$/),
    });
    components.push(kubelet);
    await kubelet.waitServing(60_000);
    components.push(...(await startServiceNetwork({ ...options, dir, name })));
    return {
      name,
      ip: NODE_IP,
      components,
      ctr,
      importImage: (archive) => void ctr(['images', 'import', archive]),
      stop,
    };
  } catch (err) {
    if (!options.detached) await stop();
    throw err;
  }
}

function containerdConfig(dir: string, run: string): string {
  const q = (s: string): string => `'${s}'`;
  return `version = 3
root = ${q(join(dir, 'containerd'))}
state = ${q(join(run, 'state'))}
temp = ${q(join(dir, 'tmp'))}
disabled_plugins = ['io.containerd.nri.v1.nri', 'io.containerd.internal.v1.tracing']
imports = []

[grpc]
  address = ${q(join(run, 'containerd.sock'))}
[ttrpc]
  address = ${q(join(run, 'containerd.sock.ttrpc'))}
[debug]
  address = ''

[plugins]
  [plugins.'io.containerd.internal.v1.opt']
    path = ${q(join(dir, 'opt'))}
  [plugins.'io.containerd.shim.v1.manager']
    socket_dir = ${q(join(run, 's'))}
  [plugins.'io.containerd.image-verifier.v1.bindir']
    bin_dir = ${q(join(dir, 'image-verifier'))}
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = ${q(PAUSE_IMAGE)}
  [plugins.'io.containerd.cri.v1.runtime']
    # This VM lacks CAP_SYS_RESOURCE: without this every sandbox fails ("can't get final child's PID from pipe").
    restrict_oom_score_adj = true
    # Pod network namespaces under the state folder, not the host's /run/netns.
    netns_mounts_under_state_dir = true
    cdi_spec_dirs = []
    enable_cdi = false
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = 'io.containerd.runc.v2'
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = '/usr/sbin/runc'
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ['/usr/lib/cni']
      conf_dir = ${q(join(dir, 'cni'))}
  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = '127.0.0.1'
    stream_server_port = '0'
`;
}

function cniConfig(dir: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'procos-e2e',
    plugins: [
      {
        type: 'bridge',
        bridge: 'cni0',
        isGateway: true,
        // No masquerading: nothing leaves the namespace, and iptables stays untouched.
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: POD_SUBNET }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: join(dir, 'cni-ipam'),
        },
      },
      { type: 'loopback' },
    ],
  });
}

function kubeletConfig(o: {
  dir: string;
  pki: Pki;
  certs: { servingCert: string; servingKey: string };
  ports: { kubelet: number; healthz: number };
  cgroup: string;
  socket: string;
}): string {
  return JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: NODE_IP,
    port: o.ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: o.ports.healthz,
    tlsCertFile: o.certs.servingCert,
    tlsPrivateKeyFile: o.certs.servingKey,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: o.pki.caCert },
    },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: `unix://${o.socket}`,
    // These machines run cgroup v1 without systemd (kubelet refuses v1 by default since 1.35).
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: o.cgroup,
    failSwapOn: false,
    // kubelet sets its sysctls (host-state.ts records and restores them); true would refuse to start.
    protectKernelDefaults: false,
    makeIPTablesUtilChains: false,
    // Imported images cannot be pulled again: never collect them.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    // A nearly full disk on a test machine must not taint the node and stop scheduling.
    evictionHard: {
      'memory.available': '1Mi',
      'nodefs.available': '1%',
      'imagefs.available': '1%',
      'nodefs.inodesFree': '1%',
    },
    podLogsDirectory: join(o.dir, 'pod-logs'),
    // Pods resolve cluster names through the node's CoreDNS, and nothing else (no host resolv.conf).
    clusterDNS: [NODE_IP],
    clusterDomain: CLUSTER_DOMAIN,
    resolvConf: '',
    serializeImagePulls: false,
    shutdownGracePeriod: '0s',
  });
}

/**
 * What makes Services and names work for pods, as on any cluster: kube-proxy in iptables mode
 * (its rules live in the test's network namespace and go with it) and CoreDNS serving the
 * cluster domain from the apiserver on the node's address. Both leave the host's sysctls alone:
 * conntrack limits and timeouts of 0 mean "leave as is", and without localhost NodePorts
 * kube-proxy does not set route_localnet. Services route without br_netfilter because kube-proxy
 * masquerades all Service traffic, so replies come back through the node.
 */
async function startServiceNetwork(o: RealNodeOptions & { dir: string; name: string }): Promise<Component[]> {
  for (const tool of ['iptables', 'iptables-restore'])
    if (!existsSync(`/usr/sbin/${tool}`))
      throw new Error(
        `kube-proxy needs /usr/sbin/${tool}: run \`make host-tools\` (as root: apt-get install iptables)`,
      );
  // Processes of the namespace itself (tests, the operator run as a process) reach cluster IPs
  // too: a route picks the interface, then kube-proxy's OUTPUT rules rewrite the address.
  execFileSync('ip', ['route', 'replace', SERVICE_SUBNET, 'dev', NODE_BRIDGE.name]);
  const kubeconfig = join(o.dir, 'admin.kubeconfig');
  writeFileSync(kubeconfig, clientKubeconfig(o.pki.caCert, o.server, o.pki.adminCert, o.pki.adminKey));
  const ports = { proxyHealthz: await freePort(), proxyMetrics: await freePort(), dnsReady: await freePort() };
  writeFileSync(
    join(o.dir, 'kube-proxy.yaml'),
    JSON.stringify({
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      clientConnection: { kubeconfig },
      hostnameOverride: o.name,
      mode: 'iptables',
      clusterCIDR: POD_SUBNET,
      healthzBindAddress: `127.0.0.1:${ports.proxyHealthz}`,
      metricsBindAddress: `127.0.0.1:${ports.proxyMetrics}`,
      iptables: { masqueradeAll: true, localhostNodePorts: false, syncPeriod: '30s', minSyncPeriod: '0s' },
      nodePortAddresses: [`${NODE_IP}/32`],
      conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
      oomScoreAdj: 0,
    }),
  );
  const proxy = (): Component =>
    new Component({
      name: `kube-proxy (${o.name})`,
      binary: join(o.nodeBin, 'kube-proxy'),
      args: [`--config=${join(o.dir, 'kube-proxy.yaml')}`],
      logFile: join(o.dir, 'logs', 'kube-proxy.log'),
      detached: o.detached,
      // 200 once the rules were synced since start (503 while stale).
      health: () => probeHttp(`http://127.0.0.1:${ports.proxyHealthz}/healthz`, /lastUpdated/),
    });
  const coredns = readdirSync(o.nodeBin).find((f) => f.startsWith('coredns-'));
  if (!coredns) throw new Error(`no coredns-<version> in ${o.nodeBin}: run \`make cluster-build\``);
  // The cluster domain from the apiserver; any other name is NXDOMAIN: nothing leaves the namespace.
  writeFileSync(
    join(o.dir, 'Corefile'),
    `${CLUSTER_DOMAIN}:53 {
  bind ${NODE_IP}
  errors
  ready 127.0.0.1:${ports.dnsReady}
  kubernetes ${CLUSTER_DOMAIN} {
    kubeconfig ${kubeconfig}
  }
}
.:53 {
  bind ${NODE_IP}
  template ANY ANY {
    rcode NXDOMAIN
  }
}
`,
  );
  const dns = (): Component =>
    new Component({
      name: `coredns (${o.name})`,
      binary: join(o.nodeBin, coredns),
      args: ['-conf', join(o.dir, 'Corefile')],
      logFile: join(o.dir, 'logs', 'coredns.log'),
      detached: o.detached,
      // 200 once the kubernetes plugin synced with the apiserver.
      health: () => probeHttp(`http://127.0.0.1:${ports.dnsReady}/ready`, /OK/),
    });
  const started: Component[] = [];
  try {
    for (const start of [proxy, dns]) {
      const c = start();
      started.push(c);
      await c.waitServing(60_000);
    }
    return started;
  } catch (err) {
    for (const c of started.reverse()) await c.stop();
    throw err;
  }
}
