// Real pods (issue 10): a real kubelet + containerd next to the control plane, the ProcOS images
// imported without a registry, and what KWOK cannot prove — pod security admission, probes,
// volumes, logs and exec, SIGTERM and the grace period, memory limits, the operator in a pod with
// its ServiceAccount taking over the Lease, and a host put back as it was after the node stops.
import { Camunda8 } from '@camunda8/sdk';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImages, type BuiltImage } from '../images/build.js';
import { LEASE_RULES, OPERATOR_RULES, SCRIPT_RUNNER_CLUSTER_ROLE, SCRIPT_RUNNER_RULES } from '../operator/rbac.js';
import { waitFor } from '../lib/testing/wait-for.js';
import {
  cgroupHierarchies,
  mountsUnder,
  otherLiveStates,
  processesWith,
  readHostState,
  readSysctls,
} from './cluster/host-state.js';
import { activeClusters, installCrds, useCluster, type TestCluster } from './cluster/test-cluster.js';

const root = join(import.meta.dirname, '..');
const NS = 'procos-pods';

/** The Restricted pod security level's requirements, for a pod spec and each container. */
const restrictedPod = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
const restrictedContainer = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

function pod(name: string, image: string, spec: Record<string, unknown>, container: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: name } },
    spec: {
      securityContext: restrictedPod,
      volumes: [{ name: 'tmp', emptyDir: {} }],
      ...spec,
      containers: [
        {
          name: 'main',
          image,
          imagePullPolicy: 'Never',
          securityContext: restrictedContainer,
          ...container,
          volumeMounts: [
            { name: 'tmp', mountPath: '/tmp' },
            ...((container.volumeMounts as unknown[] | undefined) ?? []),
          ],
        },
      ],
    },
  });
}

/** Waits for an observable condition; the deadline only bounds a failure, which names what did not happen. */
const until = <T>(what: string, probe: () => T | undefined, timeoutMs = 90_000): Promise<T> =>
  waitFor(what, probe, { timeoutMs, everyMs: 250 });

describe('real pods on a real node', () => {
  let cluster: TestCluster;
  let images: Record<string, BuiltImage>;
  const tag = (name: string): string => images[name]?.tag ?? `missing image ${name}`;
  const podJson = (name: string): { status: Record<string, unknown> & { podIP?: string } } =>
    JSON.parse(cluster.kubectl(['-n', NS, 'get', 'pod', name, '-o', 'json'])) as {
      status: Record<string, unknown> & { podIP?: string };
    };
  const waitReady = (name: string): void =>
    void cluster.kubectl(['-n', NS, 'wait', '--for=condition=Ready', `pod/${name}`, '--timeout=120s']);

  beforeAll(async () => {
    cluster = await useCluster({ realNode: true });
    images = Object.fromEntries((await buildImages()).map((i) => [i.name, i]));
    // On E2E_KUBECONFIG's cluster the images are loaded the usual way (kind load, k3d image import).
    for (const image of Object.values(images)) cluster.controlPlane?.node?.importImage(image.archive);
    cluster.kubectl(['create', 'namespace', NS]);
    // The apiserver's own PodSecurity admission enforces the Restricted level in this namespace.
    cluster.kubectl(['label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted']);
  });
  afterAll(async () => cluster.stop());

  // Our harness's node; an E2E_KUBECONFIG cluster brings nodes of its own making.
  it.skipIf(process.env.E2E_KUBECONFIG)(
    'the node is a real kubelet on containerd, heartbeating through its Lease, and KWOK leaves it alone',
    async () => {
      const node = cluster.controlPlane?.node;
      expect(node).toBeDefined();
      const n = JSON.parse(cluster.kubectl(['get', 'node', node?.name ?? '', '-o', 'json'])) as {
        metadata: { annotations?: Record<string, string>; labels: Record<string, string> };
        status: { nodeInfo: Record<string, string>; addresses: { type: string; address: string }[] };
      };
      expect(n.status.nodeInfo.kubeletVersion).toBe('v1.37.2');
      expect(n.status.nodeInfo.containerRuntimeVersion).toBe('containerd://2.4.2');
      expect(n.status.addresses).toContainEqual({ type: 'InternalIP', address: node?.ip });
      expect(n.metadata.annotations?.['kwok.x-k8s.io/node']).toBeUndefined();
      const renewTime = (): string =>
        cluster.kubectl([
          '-n',
          'kube-node-lease',
          'get',
          'lease',
          node?.name ?? '',
          '-o',
          'jsonpath={.spec.renewTime}',
        ]);
      const first = renewTime();
      await until('the kubelet renewing its Lease', () => (renewTime() !== first ? true : undefined), 60_000);
    },
  );

  it('the Restricted level is enforced: a pod asking for root is refused, naming the rule', () => {
    const r = cluster.tryKubectl(
      ['apply', '-f', '-'],
      pod('as-root', tag('worker'), { securityContext: { runAsUser: 0 } }, { command: ['true'] }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/violates PodSecurity "restricted:latest".*runAsNonRoot/s);
  });

  it('each image runs under the Restricted level as non-root with a read-only root, and passes its probes; logs and exec work', async () => {
    cluster.kubectl(
      ['apply', '-f', '-'],
      pod(
        'engine',
        tag('engine'),
        {
          volumes: [
            { name: 'tmp', emptyDir: {} },
            { name: 'data', emptyDir: {} },
          ],
        },
        {
          args: ['--host', '0.0.0.0', '--data-dir', '/data'],
          ports: [{ containerPort: 26500 }, { containerPort: 9600 }],
          readinessProbe: { httpGet: { path: '/ready', port: 9600 }, periodSeconds: 1 },
          livenessProbe: { httpGet: { path: '/health', port: 9600 } },
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ),
    );
    waitReady('engine');
    const engineIp = podJson('engine').status.podIP;
    if (cluster.controlPlane) expect(engineIp).toMatch(/^10\.202\.0\.\d+$/); // the CNI bridge's range

    // The worker's pool from a ConfigMap, a secret from a Secret: the volumes the operator will mount.
    cluster.kubectl(['-n', NS, 'create', 'configmap', 'pool', '--from-literal', `pool.yaml=${workerPool}`]);
    cluster.kubectl([
      '-n',
      NS,
      'create',
      'secret',
      'generic',
      'pool-secrets',
      '--from-literal',
      'GREETING=hello from a Secret',
    ]);
    cluster.kubectl(
      ['apply', '-f', '-'],
      pod(
        'worker',
        tag('worker'),
        {
          volumes: [
            { name: 'tmp', emptyDir: {} },
            { name: 'pool', configMap: { name: 'pool' } },
            { name: 'secrets', secret: { secretName: 'pool-secrets' } },
          ],
        },
        {
          args: [
            '--pool',
            '/etc/procos/pool/pool.yaml',
            '--secrets-dir',
            '/etc/procos/secrets',
            '--http-host',
            '0.0.0.0',
          ],
          env: [{ name: 'ZEEBE_GRPC_ADDRESS', value: `grpc://${engineIp}:26500` }],
          readinessProbe: { httpGet: { path: '/ready', port: 9464 }, periodSeconds: 1 },
          livenessProbe: { httpGet: { path: '/health', port: 9464 } },
          volumeMounts: [
            { name: 'pool', mountPath: '/etc/procos/pool', readOnly: true },
            { name: 'secrets', mountPath: '/etc/procos/secrets', readOnly: true },
          ],
        },
      ),
    );
    waitReady('worker');

    // Real work through real pods: the test deploys and runs a process on the engine pod, the worker pod completes it.
    const done = await runOneTask(engineIp ?? '', 'one-task', 'work.item', { i: 7 });
    // The worker read the Secret volume; the value itself is redacted from outputs (by design).
    expect(done).toMatchObject({ done: '[redacted], item 7' });

    // Non-root and a read-only root, seen from inside the container; exec and logs through the apiserver and kubelet.
    const exec = (name: string, script: string): { code: number; stdout: string; stderr: string } =>
      cluster.tryKubectl(['-n', NS, 'exec', name, '--', '/usr/local/bin/node', '-e', script]);
    expect(exec('worker', 'console.log(process.getuid(), process.getgid())').stdout.trim()).toBe('65532 65532');
    const write = exec('worker', "require('fs').writeFileSync('/app/x', 'x')");
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain('EROFS');
    expect(
      exec('worker', "console.log(require('fs').readFileSync('/etc/procos/secrets/GREETING', 'utf8'))").stdout,
    ).toContain('hello from a Secret');
    expect(cluster.kubectl(['-n', NS, 'logs', 'worker'])).toMatch(/"msg":"serving"/);
    expect(cluster.kubectl(['-n', NS, 'logs', 'engine'])).toMatch(/26500/);
  });

  // Our node holds the profile (e2e/cluster/node.ts); an E2E_KUBECONFIG cluster would need it installed.
  it.skipIf(process.env.E2E_KUBECONFIG)(
    'scripts run sandboxed in a Restricted pod under the Localhost seccomp profile; under RuntimeDefault the worker refuses them',
    async () => {
      const engineIp = podJson('engine').status.podIP ?? '';
      cluster.kubectl(['-n', NS, 'create', 'configmap', 'py-pool', '--from-literal', `pool.yaml=${pythonPool}`]);
      const pyWorker = (name: string, seccompProfile: Record<string, string>): string =>
        pod(
          name,
          tag('worker'),
          {
            securityContext: { runAsNonRoot: true, seccompProfile },
            volumes: [
              { name: 'tmp', emptyDir: {} },
              { name: 'pool', configMap: { name: 'py-pool' } },
            ],
          },
          {
            args: ['--pool', '/etc/procos/pool/pool.yaml', '--http-host', '0.0.0.0'],
            env: [{ name: 'ZEEBE_GRPC_ADDRESS', value: `grpc://${engineIp}:26500` }],
            readinessProbe: { httpGet: { path: '/ready', port: 9464 }, periodSeconds: 1 },
            volumeMounts: [{ name: 'pool', mountPath: '/etc/procos/pool', readOnly: true }],
          },
        );
      // The Restricted level admits the Localhost profile: the apiserver took the pod.
      cluster.kubectl(
        ['apply', '-f', '-'],
        pyWorker('py-worker', { type: 'Localhost', localhostProfile: 'procos/bwrap.json' }),
      );
      cluster.kubectl(['apply', '-f', '-'], pyWorker('py-worker-default', { type: 'RuntimeDefault' }));
      waitReady('py-worker');
      const computed = await runOneTask(engineIp, 'py-task', 'py.item', { i: 6 });
      // Computed by python3 inside bubblewrap inside the pod: as nobody, with no network but loopback.
      expect(computed).toMatchObject({ squared: 36, uid: 65534, interfaces: ['lo'] });
      // RuntimeDefault blocks the user namespace: the worker says so and never runs a script unsandboxed.
      await until('the RuntimeDefault worker refusing its python handler', () =>
        /script sandbox unavailable/.test(cluster.tryKubectl(['-n', NS, 'logs', 'py-worker-default']).stdout)
          ? true
          : undefined,
      );
      expect(podJson('py-worker-default').status.conditions).toContainEqual(
        expect.objectContaining({ type: 'Ready', status: 'False' }),
      );
    },
  );

  it('a pod that ignores SIGTERM is killed once its grace period is over', async () => {
    const script =
      "process.on('SIGTERM', () => console.log('got SIGTERM, ignoring it')); console.log('up'); setInterval(() => {}, 1000)";
    cluster.kubectl(
      ['apply', '-f', '-'],
      pod(
        'stubborn',
        tag('worker'),
        { terminationGracePeriodSeconds: 3 },
        { command: ['/usr/local/bin/node', '-e', script] },
      ),
    );
    await until('the pod logging "up"', () =>
      cluster.tryKubectl(['-n', NS, 'logs', 'stubborn']).stdout.includes('up') ? true : undefined,
    );
    const logs = cluster.kubectlAsync(['-n', NS, 'logs', '-f', 'stubborn']);
    const started = Date.now();
    cluster.kubectl(['-n', NS, 'delete', 'pod', 'stubborn', '--wait=true', '--timeout=60s']);
    // Deletion waited for the kubelet: SIGTERM was ignored, so it took at least the grace period.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(await logs).toContain('got SIGTERM, ignoring it');
  });

  it('a container over its memory limit is OOM-killed by the kernel and restarted', async () => {
    const hog = 'const b = []; for (;;) b.push(Buffer.alloc(16 << 20, 1))';
    cluster.kubectl(
      ['apply', '-f', '-'],
      pod(
        'hog',
        tag('worker'),
        { restartPolicy: 'Always' },
        {
          command: ['/usr/local/bin/node', '-e', hog],
          resources: { limits: { memory: '96Mi', cpu: '500m' }, requests: { memory: '96Mi', cpu: '100m' } },
        },
      ),
    );
    const last = await until('an OOMKilled container', () => {
      const s = podJson('hog').status as { containerStatuses?: { lastState?: { terminated?: { reason: string } } }[] };
      return s.containerStatuses?.[0]?.lastState?.terminated;
    });
    expect(last.reason).toBe('OOMKilled');
    cluster.kubectl(['-n', NS, 'delete', 'pod', 'hog', '--grace-period=1']);
  });

  it('the operator runs as a Deployment of two replicas with its ServiceAccount and RBAC; the Lease fails over', async () => {
    installCrds(cluster, join(root, 'crds'));
    const engineIp = podJson('engine').status.podIP ?? '';
    // Our test node runs no kube-proxy, so the kubernetes Service's VIP does not route there: in-cluster
    // config is pointed at the apiserver's node address instead. Other clusters route it as usual.
    const cp = cluster.controlPlane;
    const apiserver = cp?.node && { host: cp.node.ip, port: new URL(cp.server).port };
    cluster.kubectl(['apply', '-f', '-'], operatorManifests(tag('operator'), `grpc://${engineIp}:26500`, apiserver));
    cluster.kubectl(['-n', NS, 'rollout', 'status', 'deployment/procos-operator', '--timeout=120s']);
    const holder = (): string =>
      cluster.tryKubectl(['-n', NS, 'get', 'lease', 'procos-operator', '-o', 'jsonpath={.spec.holderIdentity}']).stdout;
    const leader = await until('a leader', () => holder() || undefined);
    const deployed = async (name: string): Promise<void> => {
      cluster.kubectl(['apply', '-f', '-'], processManifest(name));
      await until(`ProcOSProcess ${name} deployed by the operator in a pod`, () =>
        cluster.tryKubectl([
          '-n',
          NS,
          'get',
          'procosprocess',
          name,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]).stdout === 'True'
          ? true
          : undefined,
      );
    };
    await deployed('first');
    // Identities are hostname-pid, and a pod's hostname is its name.
    const pods = cluster
      .kubectl(['-n', NS, 'get', 'pods', '-l', 'app=procos-operator', '-o', 'jsonpath={.items[*].metadata.name}'])
      .split(' ');
    expect(pods).toHaveLength(2);
    const leaderPod = pods.find((p) => leader.startsWith(`${p}-`)) ?? `no pod holds ${leader}`;
    cluster.kubectl(['-n', NS, 'delete', 'pod', leaderPod, '--grace-period=0', '--force']);
    const next = await until('the other replica taking the Lease', () => {
      const h = holder();
      return h && h !== leader ? h : undefined;
    });
    expect(next).not.toContain(leaderPod);
    await deployed('second');
  });

  // Another cluster's node is not ours to kill.
  it('script isolation Pod: the operator rolls out a pool whose python job runs in a Restricted script pod of its own', async () => {
    // What the Helm chart installs: the ClusterRole the operator binds each such pool's workers to.
    cluster.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: SCRIPT_RUNNER_CLUSTER_ROLE },
        rules: SCRIPT_RUNNER_RULES,
      }),
    );
    // No kube-proxy here (see the operator test above): the workers reach the apiserver at its node address.
    const cp = cluster.controlPlane;
    const apiserver = cp?.node && { host: cp.node.ip, port: new URL(cp.server).port };
    cluster.kubectl(['apply', '-f', '-'], podScriptsManifests(apiserver));
    cluster.kubectl(['-n', NS, 'wait', '--for=condition=Ready', 'workerpool/podscripts', '--timeout=180s']);
    const pool = JSON.parse(cluster.kubectl(['-n', NS, 'get', 'workerpool', 'podscripts', '-o', 'json'])) as {
      status: { isolation?: string };
    };
    expect(pool.status.isolation).toBe('Pod');
    const denyAll = JSON.parse(
      cluster.kubectl(['-n', NS, 'get', 'networkpolicy', 'podscripts-worker-scripts', '-o', 'json']),
    ) as { spec: unknown };
    expect(denyAll.spec).toEqual({
      podSelector: { matchLabels: { 'procos.io/script-of': 'podscripts' } },
      policyTypes: ['Ingress', 'Egress'],
    });
    const engineIp = podJson('engine').status.podIP ?? '';
    const result = await runOneTask(engineIp, 'pod-task', 'pod.item', { i: 7 });
    // Computed in a pod of its own (its hostname is the script pod's name), as nobody.
    expect(result).toMatchObject({ squared: 49, uid: 65534 });
    expect(result.host).toMatch(/^podscripts-script-[0-9a-f]{10}-/);
    // The runner removes its Job (and with it the pod and the input Secret).
    await until('no script Job left', () =>
      cluster.kubectl(['-n', NS, 'get', 'jobs', '-l', 'procos.io/script-of=podscripts', '-o', 'name']).trim() === ''
        ? true
        : undefined,
    );
  });

  it.skipIf(process.env.E2E_KUBECONFIG)(
    'a node component that dies is named; after the cluster stops, the host is as it was',
    async () => {
      const node = cluster.controlPlane?.node;
      if (!node) throw new Error('the harness started no real node');
      const dir = cluster.controlPlane?.dir ?? '';
      const stateId = process.env.PROCOS_HOST_STATE ?? '';
      const before = readHostState(stateId)?.sysctls;
      const kubeletValues = readSysctls();
      expect(kubeletValues).not.toEqual(before); // the kubelet did change them
      const containerd = node.components.find((c) => c.spec.name.startsWith('containerd'));
      activeClusters.delete(cluster); // this test breaks it on purpose
      process.kill(containerd?.pid ?? 0, 'SIGKILL');
      await expect(until('the harness noticing', () => (containerd?.died ? true : undefined), 10_000)).resolves.toBe(
        true,
      );
      await expect(cluster.assertServing()).rejects.toThrow(/containerd \(node-[0-9a-f]+\) exited \(signal SIGKILL\)/);
      // Another run's kubelet on this machine (a second e2e run, make cluster-up) still needs its values.
      const shared = otherLiveStates(stateId).some((s) => s.nodes.length > 0);
      await cluster.stop().catch(() => undefined); // it reports the dead containerd again, and stops the rest

      // The last node to stop puts the machine's values back.
      expect(readSysctls()).toEqual(shared ? kubeletValues : before);
      expect(existsSync(dir)).toBe(false);
      expect(mountsUnder(dir)).toEqual([]);
      expect(mountsUnder(`/run/procos/${stateId}/${node.name}`)).toEqual([]);
      expect(processesWith(join('/run/procos', stateId, node.name, 'containerd.sock'))).toEqual([]);
      for (const h of cgroupHierarchies()) expect(existsSync(join(h, `procos-${node.name}`))).toBe(false);
      expect(execFileSync('ip', ['link', 'show'], { encoding: 'utf8' })).not.toMatch(/cni0|veth/);
      expect(readHostState(stateId)?.nodes).toEqual([]);
    },
  );
});

const workerPool = `apiVersion: procos.io/v1alpha1
kind: WorkerPool
metadata: { name: pods }
spec:
  taskTypes: [work.item]
  handlers:
    - taskType: work.item
      adapter: format
      config: { template: '{{ secrets.GREETING }}, item {{ i }}', output: done }
`;

/** A python handler: the sandbox's uid, its network interfaces and a computed value. */
const pythonPool = `apiVersion: procos.io/v1alpha1
kind: WorkerPool
metadata: { name: py }
spec:
  taskTypes: [py.item]
  handlers:
    - taskType: py.item
      adapter: python
      config:
        script: |
          import json, os, socket, sys
          v = json.load(sys.stdin)
          names = sorted(n for _, n in socket.if_nameindex())
          print(json.dumps({"squared": v["i"] ** 2, "uid": os.getuid(), "interfaces": names}))
`;

/** A pool whose SandboxPolicy runs each script as a pod of its own. */
const podScriptsManifests = (apiserver?: { host: string; port: string }): string => `apiVersion: procos.io/v1alpha1
kind: SandboxPolicy
metadata: { name: pod-scripts, namespace: ${NS} }
spec:
  allowedTaskTypes: ['pod.*']
  script: { isolation: Pod, wallTimeSeconds: 120, cpuTimeSeconds: 10 }
---
apiVersion: procos.io/v1alpha1
kind: WorkerPool
metadata: { name: podscripts, namespace: ${NS} }
spec:
  sandboxPolicyRef: { name: pod-scripts }
  replicas: 1
  env: ${JSON.stringify(
    apiserver
      ? [
          { name: 'KUBERNETES_SERVICE_HOST', value: apiserver.host },
          { name: 'KUBERNETES_SERVICE_PORT', value: apiserver.port },
        ]
      : [],
  )}
  taskTypes: [pod.item]
  handlers:
    - taskType: pod.item
      adapter: python
      config:
        script: |
          import json, os, socket, sys
          v = json.load(sys.stdin)
          print(json.dumps({"squared": v["i"] ** 2, "uid": os.getuid(), "host": socket.gethostname()}))
`;

/**
 * Deploys one-task.bpmn on the engine pod as PROCESS_ID with job type TASK_TYPE, runs one instance
 * to its end (a pod start may be part of the wait) and returns its variables.
 */
async function runOneTask(
  engineIp: string,
  processId: string,
  taskType: string,
  variables: Record<string, string | number>,
): Promise<Record<string, unknown>> {
  const zeebe = new Camunda8({
    ZEEBE_GRPC_ADDRESS: `grpc://${engineIp}:26500`,
    CAMUNDA_AUTH_STRATEGY: 'NONE',
    CAMUNDA_SECURE_CONNECTION: false,
  }).getZeebeGrpcApiClient();
  try {
    const bpmn = readFileSync(join(root, 'workers/testdata/one-task.bpmn'), 'utf8')
      .replace(/one-task/g, processId)
      .replace(/work\.item/g, taskType);
    await zeebe.deployResource({ name: `${processId}.bpmn`, process: Buffer.from(bpmn) });
    const result = await zeebe.createProcessInstanceWithResult({
      bpmnProcessId: processId,
      variables,
      requestTimeout: 120_000,
    });
    return result.variables;
  } finally {
    await zeebe.close();
  }
}

function processManifest(name: string): string {
  return JSON.stringify({
    apiVersion: 'procos.io/v1alpha1',
    kind: 'ProcOSProcess',
    metadata: { name, namespace: NS },
    spec: {
      bpmn: {
        inline: readFileSync(join(root, 'workers/testdata/one-task.bpmn'), 'utf8').replace(
          /one-task/g,
          `one-task-${name}`,
        ),
      },
    },
  });
}

/** What the Helm chart (issue 13) will install, reduced to what this test needs; RBAC as operator/rbac.ts says. */
function operatorManifests(image: string, engine: string, apiserver?: { host: string; port: string }): string {
  const items = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'procos-operator', namespace: NS } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'procos-operator-e2e' },
      rules: OPERATOR_RULES,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'procos-operator-e2e' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'procos-operator-e2e' },
      subjects: [{ kind: 'ServiceAccount', name: 'procos-operator', namespace: NS }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'procos-operator-lease', namespace: NS },
      rules: LEASE_RULES,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'procos-operator-lease', namespace: NS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'procos-operator-lease' },
      subjects: [{ kind: 'ServiceAccount', name: 'procos-operator', namespace: NS }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'procos-operator', namespace: NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'procos-operator' } },
        template: {
          metadata: { labels: { app: 'procos-operator' } },
          spec: {
            serviceAccountName: 'procos-operator',
            securityContext: restrictedPod,
            terminationGracePeriodSeconds: 5,
            containers: [
              {
                name: 'operator',
                image,
                imagePullPolicy: 'Never',
                securityContext: restrictedContainer,
                args: ['--lease-duration-seconds', '4'],
                env: [
                  { name: 'ZEEBE_GRPC_ADDRESS', value: engine },
                  { name: 'CAMUNDA_AUTH_STRATEGY', value: 'NONE' },
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  ...(apiserver
                    ? [
                        { name: 'KUBERNETES_SERVICE_HOST', value: apiserver.host },
                        { name: 'KUBERNETES_SERVICE_PORT', value: apiserver.port },
                      ]
                    : []),
                ],
                // Ready: the leader once its caches are synced, and the standby (ready to take over).
                readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 2 },
                livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
  ];
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}
