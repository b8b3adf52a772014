import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { sandboxPolicySpec, workerPoolSpec, type SandboxPolicySpec, type WorkerPoolSpec } from '../../api/index.js';
import { bindPool } from '../../../workers/pool-config.js';
import { labelValue, workerObjects, type WorkerObjectsInput } from './worker-objects.js';

const spec = (s: unknown): WorkerPoolSpec => workerPoolSpec.parse(s);
const policySpec = (s: unknown): SandboxPolicySpec => sandboxPolicySpec.parse(s);

const formatPool = spec({
  taskTypes: ['greet'],
  handlers: [{ taskType: 'greet', adapter: 'format', config: { template: 'hi {{ name }}', output: 'greeting' } }],
  env: [
    { name: 'MODE', value: 'x' },
    { name: 'API_KEY', secretKeyRef: { name: 'keys', key: 'api' } },
  ],
});

const input = (over: Partial<WorkerObjectsInput> = {}): WorkerObjectsInput => ({
  pool: { metadata: { name: 'greeters', namespace: 'team-a', uid: 'uid-1' }, spec: formatPool },
  replicas: 1,
  defaults: { image: 'procos.local/procos-worker:0.1.0', engineAddress: 'grpc://engine.procos-system:26500' },
  ...over,
});

type Container = {
  image: string;
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  securityContext: Record<string, unknown>;
  resources?: unknown;
};
type PodSpec = Record<string, unknown> & { containers: Container[]; securityContext: Record<string, unknown> };
const podOf = (d: Record<string, unknown>): { annotations: Record<string, string>; spec: PodSpec } => {
  const t = (d.spec as { template: { metadata: { annotations: Record<string, string> }; spec: PodSpec } }).template;
  return { annotations: t.metadata.annotations, spec: t.spec };
};

describe('workerObjects', () => {
  it('a ConfigMap whose pool file the worker itself accepts, owned by the pool', () => {
    const o = workerObjects(
      input({
        pool: { ...input().pool, spec: { ...formatPool, sandboxPolicyRef: { name: 'strict' } } },
        policy: { metadata: { name: 'strict' }, spec: policySpec({ allowedTaskTypes: ['greet'] }) },
      }),
    );
    expect(o.configMap.metadata).toMatchObject({
      name: 'greeters-worker-config',
      namespace: 'team-a',
      ownerReferences: [{ kind: 'WorkerPool', name: 'greeters', uid: 'uid-1', controller: true }],
    });
    const file = (o.configMap.data as Record<string, string>)['pool.yaml'] ?? '';
    const docs = parseAllDocuments(file).map((d) => d.toJS() as unknown);
    // The worker binds the same file: its handler config and the policy pass its own checks.
    const bound = bindPool(docs, {});
    expect(bound.ok ? bound.pool.policyName : bound.errors).toBe('strict');
  });

  it('a Deployment of procos-worker: replicas, image, engine address, env and Secret refs, probes, drain', () => {
    const o = workerObjects(input({ replicas: 3 }));
    expect(o.deployment.metadata.name).toBe('greeters-worker');
    expect((o.deployment.spec as { replicas: number }).replicas).toBe(3);
    const pod = podOf(o.deployment);
    const [c] = pod.spec.containers;
    expect(c?.image).toBe('procos.local/procos-worker:0.1.0');
    expect(c?.args).toEqual(expect.arrayContaining(['--pool', '/etc/procos/pool/pool.yaml', '--drain-seconds', '25']));
    expect(c?.env).toEqual([
      { name: 'ZEEBE_GRPC_ADDRESS', value: 'grpc://engine.procos-system:26500' },
      { name: 'MODE', value: 'x' },
      { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'keys', key: 'api' } } },
    ]);
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(25);
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(
      workerObjects(input({ pool: { ...input().pool, spec: { ...formatPool, image: 'mine:1' } } })).deployment,
    ).toMatchObject({
      spec: { template: { spec: { containers: [{ image: 'mine:1' }] } } },
    });
  });

  it('every worker gets the operator’s tracing environment; a pool’s own env of the same name wins', () => {
    const tracing = [
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability:4318' },
      { name: 'MODE', value: 'from-operator' },
    ];
    const o = workerObjects(input({ defaults: { ...input().defaults, env: tracing } }));
    const env = podOf(o.deployment).spec.containers[0]?.env ?? [];
    expect(env).toContainEqual(tracing[0]);
    expect(env.filter((e) => e.name === 'MODE')).toEqual([{ name: 'MODE', value: 'x' }]);
    // Without tracing configured, the pod template (and its hash) is as before.
    expect(podOf(workerObjects(input()).deployment).spec.containers[0]?.env.map((e) => e.name)).toEqual([
      'ZEEBE_GRPC_ADDRESS',
      'MODE',
      'API_KEY',
    ]);
  });

  it('pod security follows the policy; without one, the Restricted defaults', () => {
    const restricted = podOf(workerObjects(input()).deployment).spec;
    expect(restricted.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(restricted.containers[0]?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const loose = podOf(
      workerObjects(
        input({
          policy: {
            metadata: { name: 'p' },
            spec: policySpec({
              allowedTaskTypes: ['*'],
              podSecurity: { readOnlyRootFilesystem: false, dropAllCapabilities: false, runtimeClassName: 'gvisor' },
              resources: { limits: { memory: '512Mi' } },
            }),
          },
        }),
      ).deployment,
    ).spec;
    expect(loose.runtimeClassName).toBe('gvisor');
    expect(loose.containers[0]?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: false,
    });
    expect(loose.containers[0]?.resources).toEqual({ limits: { memory: '512Mi' } });
  });

  it('resources: the policy defaults and caps them, and says what it capped', () => {
    const o = workerObjects(
      input({
        pool: { ...input().pool, spec: { ...formatPool, resources: { limits: { memory: '4Gi' } } } },
        policy: {
          metadata: { name: 'p' },
          spec: policySpec({ allowedTaskTypes: ['*'], resources: { limits: { memory: '1Gi', cpu: '1' } } }),
        },
      }),
    );
    expect(podOf(o.deployment).spec.containers[0]?.resources).toEqual({ limits: { cpu: '1', memory: '1Gi' } });
    expect(o.cappedResources).toEqual(["limits.memory 4Gi capped to the policy's 1Gi"]);
  });

  it('a handler change changes the checksum on the pod template (the pods roll); the replica count does not', () => {
    const a = workerObjects(input());
    const b = workerObjects(input({ replicas: 5 }));
    const changed = workerObjects(
      input({
        pool: {
          ...input().pool,
          spec: {
            ...formatPool,
            handlers: [{ ...formatPool.handlers[0], config: { template: 'hello {{ name }}', output: 'greeting' } }],
          } as WorkerPoolSpec,
        },
      }),
    );
    expect(podOf(a.deployment).annotations['procos.io/config-sha256']).toBe(a.configChecksum);
    expect(b.configChecksum).toBe(a.configChecksum);
    expect(changed.configChecksum).not.toBe(a.configChecksum);
  });

  it('a PodDisruptionBudget only with more than one replica', () => {
    expect(workerObjects(input({ replicas: 1 })).podDisruptionBudget).toBeUndefined();
    expect(workerObjects(input({ replicas: 2 })).podDisruptionBudget).toMatchObject({
      kind: 'PodDisruptionBudget',
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'procos.io/pool': 'greeters' } } },
    });
  });

  it('script isolation: None without script handlers, else the policy’s mode (Process by default)', () => {
    const python = spec({
      taskTypes: ['py'],
      handlers: [{ taskType: 'py', adapter: 'python', config: { script: 'print(1)' } }],
    });
    expect(workerObjects(input()).isolation).toBe('None');
    expect(workerObjects(input({ pool: { ...input().pool, spec: python } })).isolation).toBe('Process');
    const podPolicy = {
      metadata: { name: 'p' },
      spec: policySpec({ allowedTaskTypes: ['*'], script: { isolation: 'Pod' } }),
    };
    expect(workerObjects(input({ pool: { ...input().pool, spec: python }, policy: podPolicy })).isolation).toBe('Pod');
  });

  it('isolation Process: the Localhost seccomp profile bubblewrap needs, still Restricted; others keep RuntimeDefault', () => {
    const python = spec({
      taskTypes: ['py'],
      handlers: [{ taskType: 'py', adapter: 'python', config: { script: 'print(1)' } }],
    });
    const seccomp = (o: ReturnType<typeof workerObjects>) => podOf(o.deployment).spec.securityContext.seccompProfile;
    expect(seccomp(workerObjects(input({ pool: { ...input().pool, spec: python } })))).toEqual({
      type: 'Localhost',
      localhostProfile: 'procos/bwrap.json',
    });
    const named = input({ pool: { ...input().pool, spec: python } });
    named.defaults.scriptSeccompProfile = 'profiles/procos-bwrap.json';
    expect(seccomp(workerObjects(named))).toEqual({
      type: 'Localhost',
      localhostProfile: 'profiles/procos-bwrap.json',
    });
    expect(seccomp(workerObjects(input()))).toEqual({ type: 'RuntimeDefault' });
    const podPolicy = {
      metadata: { name: 'p' },
      spec: policySpec({ allowedTaskTypes: ['*'], script: { isolation: 'Pod' } }),
    };
    expect(seccomp(workerObjects(input({ pool: { ...input().pool, spec: python }, policy: podPolicy })))).toEqual({
      type: 'RuntimeDefault',
    });
  });

  it('isolation Pod: a ServiceAccount bound to procos-script-runner, what the worker needs to make script pods, and their deny-all NetworkPolicy', () => {
    const python = spec({
      taskTypes: ['py'],
      handlers: [{ taskType: 'py', adapter: 'python', config: { script: 'print(1)' } }],
    });
    const podPolicy = {
      metadata: { name: 'p' },
      spec: policySpec({
        allowedTaskTypes: ['*'],
        script: { isolation: 'Pod' },
        podSecurity: { runtimeClassName: 'gvisor' },
      }),
    };
    const o = workerObjects(input({ pool: { ...input().pool, spec: python }, policy: podPolicy }));
    expect(o.serviceAccount?.metadata.name).toBe('greeters-worker');
    expect(o.roleBinding).toMatchObject({
      metadata: { name: 'greeters-worker-scripts' },
      roleRef: { kind: 'ClusterRole', name: 'procos-script-runner' },
      subjects: [{ kind: 'ServiceAccount', name: 'greeters-worker', namespace: 'team-a' }],
    });
    expect(o.scriptNetworkPolicy?.spec).toEqual({
      podSelector: { matchLabels: { 'procos.io/script-of': 'greeters' } },
      policyTypes: ['Ingress', 'Egress'],
    });
    const pod = podOf(o.deployment).spec;
    expect(pod).toMatchObject({ serviceAccountName: 'greeters-worker', automountServiceAccountToken: true });
    expect(pod.containers[0]?.env).toEqual(
      expect.arrayContaining([
        { name: 'PROCOS_SCRIPT_IMAGE', value: 'procos.local/procos-worker:0.1.0' },
        { name: 'PROCOS_POOL', value: 'greeters' },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'PROCOS_SCRIPT_RUNTIME_CLASS', value: 'gvisor' },
      ]),
    );
    // Without script handlers none of it: no token, no ServiceAccount.
    const plain = workerObjects(input({ policy: podPolicy }));
    expect(plain.serviceAccount).toBeUndefined();
    expect(podOf(plain.deployment).spec.automountServiceAccountToken).toBe(false);
  });

  it('scaling the pool (spec.replicas, spec.scaling) leaves the pool file and its checksum alone: no restart per scale', () => {
    const base = workerObjects(input());
    const scaled = workerObjects(
      input({
        pool: { ...input().pool, spec: { ...formatPool, replicas: 7, scaling: { ...formatPool.scaling, max: 20 } } },
        replicas: 7,
      }),
    );
    expect(scaled.configChecksum).toBe(base.configChecksum);
    expect(scaled.configMap.data).toEqual(base.configMap.data);
  });

  describe('engine credentials (the operator’s, for an engine that wants them)', () => {
    const credentials = {
      env: { CAMUNDA_AUTH_STRATEGY: 'BEARER', CAMUNDA_OAUTH_TOKEN: 's3cret-t0ken' },
      fingerprint: 'f1',
    };
    const withCredentials = (over: Partial<WorkerObjectsInput['defaults']> = {}) =>
      workerObjects(input({ defaults: { ...input().defaults, engineCredentials: credentials, ...over } }));

    it('a Secret in the pool’s namespace, owned by the pool, holding exactly the credentials', () => {
      const secret = withCredentials().engineSecret;
      expect(secret?.metadata).toMatchObject({
        name: 'greeters-worker-engine-auth',
        namespace: 'team-a',
        ownerReferences: [{ kind: 'WorkerPool', name: 'greeters', uid: 'uid-1', controller: true }],
      });
      const data = secret?.data as Record<string, string>;
      expect(
        Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])),
      ).toEqual(credentials.env);
    });

    it('the workers’ environment comes from that Secret; the Deployment never holds the token', () => {
      const o = withCredentials();
      const c = podOf(o.deployment).spec.containers[0] as Container & { envFrom?: unknown };
      expect(c.envFrom).toEqual([{ secretRef: { name: 'greeters-worker-engine-auth' } }]);
      // Kubernetes: an env entry wins over envFrom, so a pool's own env still has the last word.
      expect(c.env.map((e) => e.name)).toEqual(['ZEEBE_GRPC_ADDRESS', 'MODE', 'API_KEY']);
      expect(JSON.stringify(o.deployment)).not.toContain('s3cret-t0ken');
      expect(JSON.stringify(o.deployment)).not.toContain(Buffer.from('s3cret-t0ken').toString('base64'));
    });

    it('rotated credentials change the pod template (the workers roll and read the new ones)', () => {
      const before = podOf(withCredentials().deployment).annotations;
      const after = podOf(
        withCredentials({ engineCredentials: { ...credentials, fingerprint: 'f2' } }).deployment,
      ).annotations;
      expect(before['procos.io/engine-credentials']).toBe('f1');
      expect(after['procos.io/engine-credentials']).toBe('f2');
    });

    it('without credentials: no Secret, no envFrom, no fingerprint', () => {
      const o = workerObjects(input());
      expect(o.engineSecret).toBeUndefined();
      expect(podOf(o.deployment).spec.containers[0]).not.toHaveProperty('envFrom');
      expect(podOf(o.deployment).annotations).not.toHaveProperty('procos.io/engine-credentials');
    });
  });

  it('label values stay within 63 characters and stay distinct for long names', () => {
    const long = 'a'.repeat(100);
    expect(labelValue('greeters')).toBe('greeters');
    expect(labelValue(long)).toHaveLength(63);
    expect(labelValue(long)).not.toBe(labelValue(`${'a'.repeat(99)}b`));
  });
});
