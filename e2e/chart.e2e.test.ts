// charts/procos with the real helm (built from its Go module) against the real control plane:
// lint, what it renders (RBAC exactly operator/rbac.ts, the restricted pod), values refused by
// values.schema.json naming the field, and install / uninstall with its checks.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { projectRoot } from '../lib/cli/version.js';
import { LEASE_RULES, OPERATOR_RULES, SCRIPT_RUNNER_RULES } from '../operator/rbac.js';
import { buildBinaries } from './cluster/control-plane.js';
import { useCluster, type TestCluster } from './cluster/test-cluster.js';
import { waitFor } from '../lib/testing/wait-for.js';
import { tempDir } from '../lib/testing/temp-dir.js';
import { httpGet } from './testing/http-get.js';
import { spawnOperator, type OperatorProcess } from './testing/operator-process.js';
import { BAD_VALUES, goldenFile, helmRunner, PRESET_NAMES, renderPreset, type Helm } from './testing/helm.js';

const CHART = join(projectRoot(), 'charts/procos');
const PRESETS = join(projectRoot(), 'helm');

interface Doc {
  kind: string;
  metadata: { name: string };
  rules?: unknown;
  spec?: Record<string, unknown>;
}

describe('the Helm chart (real helm, real apiserver)', () => {
  let cluster: TestCluster;
  let helmBin: string;
  const helm: Helm = (args) => helmRunner(helmBin, () => cluster.kubeconfigPath)(args);
  const render = (...set: string[]): Doc[] => {
    const r = helm(['template', 'procos', CHART, '--namespace', 'procos-system', ...set.flatMap((s) => ['--set', s])]);
    if (r.code !== 0) throw new Error(r.out);
    return parseAllDocuments(r.out)
      .map((d) => d.toJS() as Doc | null)
      .filter((d): d is Doc => d !== null);
  };

  beforeAll(async () => {
    cluster = await useCluster();
    helmBin = process.env.E2E_KUBECONFIG ? 'helm' : join(cluster.controlPlane?.bin ?? buildBinaries(), 'helm');
  }, 600_000);
  afterAll(async () => cluster.stop());

  it('passes helm lint --strict', () => {
    const r = helm(['lint', '--strict', CHART]);
    expect(r.code, r.out).toBe(0);
  });

  it('grants exactly the rules of operator/rbac.ts, and runs the operator as a restricted pod with two replicas', () => {
    const docs = render();
    const byKind = (kind: string, name?: string): Doc | undefined =>
      docs.find((d) => d.kind === kind && (!name || d.metadata.name === name));
    expect(byKind('ClusterRole', 'procos')?.rules).toEqual(OPERATOR_RULES);
    expect(byKind('ClusterRole', 'procos-script-runner')?.rules).toEqual(SCRIPT_RUNNER_RULES);
    expect(byKind('Role')?.rules).toEqual(LEASE_RULES);
    const deployment = byKind('Deployment');
    expect(deployment?.spec?.replicas).toBe(2);
    const pod = (deployment?.spec?.template as { spec: Record<string, unknown> }).spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect((pod.containers as { securityContext: unknown }[])[0]?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(byKind('PodDisruptionBudget')).toBeDefined();
    expect(render('replicaCount=1').find((d) => d.kind === 'PodDisruptionBudget')).toBeUndefined();
  });

  it('exports traces of the operator and the bundled engine where tracing.otlp says, headers from a Secret', () => {
    const docs = render(
      'bundledEngine.enabled=true',
      'tracing.otlp.endpoint=http://otel-collector.observability:4318',
      'tracing.otlp.headersSecret=otel-auth',
      'tracing.sampleRatio=0.25',
    );
    const envOf = (kind: string): unknown[] =>
      (
        (docs.find((d) => d.kind === kind)?.spec?.template as { spec: { containers: { env?: unknown[] }[] } }).spec
          .containers[0]?.env ?? []
      ).filter((e) => (e as { name: string }).name.startsWith('OTEL_'));
    for (const kind of ['Deployment', 'StatefulSet'])
      expect(envOf(kind), kind).toEqual([
        { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability:4318' },
        { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
        { name: 'OTEL_TRACES_SAMPLER_ARG', value: '0.25' },
        {
          name: 'OTEL_EXPORTER_OTLP_HEADERS',
          valueFrom: { secretKeyRef: { name: 'otel-auth', key: 'OTEL_EXPORTER_OTLP_HEADERS' } },
        },
      ]);
    // Off by default: no OTEL_ variable at all.
    expect(JSON.stringify(render())).not.toContain('OTEL_');
  });

  it('mounts engine.tls.caSecret for the operator and points the SDK at it', () => {
    const deployment = render('engine.address=grpcs://zeebe.camunda:443', 'engine.tls.caSecret=zeebe-ca').find(
      (d) => d.kind === 'Deployment',
    );
    const pod = (deployment?.spec?.template as { spec: Record<string, unknown> }).spec as {
      volumes: unknown[];
      containers: { env: unknown[]; volumeMounts: unknown[] }[];
    };
    expect(pod.volumes).toEqual([
      { name: 'engine-ca', secret: { secretName: 'zeebe-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
    ]);
    expect(pod.containers[0]?.volumeMounts).toEqual([
      { name: 'engine-ca', mountPath: '/etc/procos/engine-ca', readOnly: true },
    ]);
    expect(pod.containers[0]?.env).toContainEqual({
      name: 'CAMUNDA_CUSTOM_ROOT_CERT_PATH',
      value: '/etc/procos/engine-ca/ca.crt',
    });
  });

  it('secures the bundled engine with a token from a Secret: the engine reads it as a file, the operator by reference', () => {
    type Container = {
      args: string[];
      env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
      volumeMounts?: { name: string; mountPath: string }[];
    };
    type Pod = { containers: Container[]; volumes?: { name: string; secret?: { secretName: string } }[] };
    const podOf = (docs: Doc[], kind: string): Pod =>
      (docs.find((d) => d.kind === kind)?.spec?.template as { spec: Pod }).spec;
    const env = (docs: Doc[], name: string) =>
      podOf(docs, 'Deployment').containers[0]?.env?.find((e) => e.name === name);

    const docs = render('bundledEngine.enabled=true');
    const secret = docs.find((d) => d.kind === 'Secret') as (Doc & { data: { token: string } }) | undefined;
    expect(secret?.metadata.name).toBe('procos-engine-auth');
    const token = Buffer.from(secret?.data.token ?? '', 'base64').toString();
    expect(token).toMatch(/^[A-Za-z0-9]{48}$/);
    const engine = podOf(docs, 'StatefulSet');
    expect(engine.containers[0]?.args).toEqual(
      expect.arrayContaining(['--auth=token', '--auth-token-file=/etc/procos/engine-auth/token']),
    );
    expect(engine.containers[0]?.volumeMounts).toContainEqual(
      expect.objectContaining({ name: 'auth', mountPath: '/etc/procos/engine-auth' }),
    );
    expect(engine.volumes?.find((v) => v.name === 'auth')?.secret?.secretName).toBe('procos-engine-auth');
    expect(env(docs, 'CAMUNDA_AUTH_STRATEGY')?.value).toBe('BEARER');
    expect(env(docs, 'CAMUNDA_OAUTH_TOKEN')?.valueFrom).toEqual({
      secretKeyRef: { name: 'procos-engine-auth', key: 'token' },
    });
    // The token is in the Secret and nowhere else.
    expect(JSON.stringify(docs.filter((d) => d.kind !== 'Secret'))).not.toContain(token);

    // Bring your own Secret: none is made, both sides point at it.
    const own = render('bundledEngine.enabled=true', 'bundledEngine.auth.existingSecret=my-token');
    expect(own.find((d) => d.kind === 'Secret')).toBeUndefined();
    expect(podOf(own, 'StatefulSet').volumes?.find((v) => v.name === 'auth')?.secret?.secretName).toBe('my-token');
    expect(env(own, 'CAMUNDA_OAUTH_TOKEN')?.valueFrom?.secretKeyRef?.name).toBe('my-token');

    // Opted out: no token anywhere, the operator talks to the engine without one.
    const open = render('bundledEngine.enabled=true', 'bundledEngine.auth.enabled=false');
    expect(open.find((d) => d.kind === 'Secret')).toBeUndefined();
    expect(podOf(open, 'StatefulSet').containers[0]?.args.join(' ')).not.toContain('--auth');
    expect(env(open, 'CAMUNDA_AUTH_STRATEGY')?.value).toBe('NONE');
    expect(env(open, 'CAMUNDA_OAUTH_TOKEN')).toBeUndefined();

    // engine.auth is for engine.address, not for the bundled engine.
    const mixed = helm([
      'template',
      'procos',
      CHART,
      '--set',
      'bundledEngine.enabled=true',
      '--set',
      'engine.auth.strategy=OAUTH',
      '--set',
      'engine.auth.existingSecret=zeebe',
    ]);
    expect(mixed.code).not.toBe(0);
    expect(mixed.out).toContain('the bundled engine is secured by bundledEngine.auth');
  });

  it('refuses bad values naming the field', () => {
    for (const [value, message] of BAD_VALUES) {
      const r = helm(['template', 'procos', CHART, '--set', value]);
      expect(r.code, value).not.toBe(0);
      expect(r.out, value).toMatch(message);
    }
  });

  it('installs (a missing existingSecret is refused naming it), aggregates its user roles into view/edit, and uninstalls leaving only the CRDs', async () => {
    cluster.kubectl(['create', 'namespace', 'procos-system']);
    const refused = helm([
      'install',
      'procos',
      CHART,
      '-n',
      'procos-system',
      '--set',
      'engine.auth.strategy=OAUTH',
      '--set',
      'engine.auth.existingSecret=zeebe-credentials',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('Secret zeebe-credentials does not exist in namespace procos-system');

    cluster.kubectl([
      '-n',
      'procos-system',
      'create',
      'secret',
      'generic',
      'zeebe-credentials',
      '--from-literal=ZEEBE_CLIENT_ID=x',
    ]);
    const installed = helm([
      'install',
      'procos',
      CHART,
      '-n',
      'procos-system',
      '--set',
      'engine.address=grpc://zeebe:26500',
      '--set',
      'engine.auth.strategy=OAUTH',
      '--set',
      'engine.auth.existingSecret=zeebe-credentials',
    ]);
    expect(installed.code, installed.out).toBe(0);
    expect(installed.out).toContain('kubectl apply -k processes/');
    expect(cluster.kubectl(['get', 'crd', 'workerpools.procos.io', '-o', 'name']).trim()).toBe(
      'customresourcedefinition.apiextensions.k8s.io/workerpools.procos.io',
    );
    const deployment = JSON.parse(
      cluster.kubectl(['-n', 'procos-system', 'get', 'deployment', 'procos', '-o', 'json']),
    ) as {
      spec: { template: { spec: { containers: { env: { name: string; value?: string }[]; envFrom: unknown[] }[] } } };
    };
    const container = deployment.spec.template.spec.containers[0];
    expect(container?.env).toContainEqual({ name: 'ZEEBE_GRPC_ADDRESS', value: 'grpc://zeebe:26500' });
    expect(container?.envFrom).toEqual([{ secretRef: { name: 'zeebe-credentials' } }]);

    // The controller-manager aggregates procos-viewer / -editor / -admin into view / edit / admin.
    cluster.kubectl(['create', 'namespace', 'team']);
    cluster.kubectl(['-n', 'team', 'create', 'rolebinding', 'vera', '--clusterrole=view', '--user=vera']);
    cluster.kubectl(['-n', 'team', 'create', 'rolebinding', 'ed', '--clusterrole=edit', '--user=ed']);
    const can = (user: string, verb: string, resource: string): string =>
      cluster.tryKubectl(['auth', 'can-i', verb, resource, '-n', 'team', `--as=${user}`]).stdout.trim();
    await waitFor(
      'edit to include procos-editor',
      () => (can('ed', 'create', 'procosprocesses.procos.io') === 'yes' ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );
    expect(can('ed', 'create', 'sandboxpolicies.procos.io')).toBe('no');
    expect(can('ed', 'update', 'workerpools.procos.io/scale')).toBe('yes');
    await waitFor(
      'view to include procos-viewer',
      () => (can('vera', 'list', 'workerpools.procos.io') === 'yes' ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );
    expect(can('vera', 'create', 'procosprocesses.procos.io')).toBe('no');

    const gone = helm(['uninstall', 'procos', '-n', 'procos-system', '--wait']);
    expect(gone.code, gone.out).toBe(0);
    for (const kind of ['deployment', 'serviceaccount', 'role', 'rolebinding', 'service', 'poddisruptionbudget'])
      expect(
        cluster
          .kubectl(['-n', 'procos-system', 'get', kind, '-l', 'app.kubernetes.io/instance=procos', '-o', 'name'])
          .trim(),
        kind,
      ).toBe('');
    expect(
      cluster.kubectl(['get', 'clusterrole', '-l', 'app.kubernetes.io/instance=procos', '-o', 'name']).trim(),
    ).toBe('');
    await waitFor(
      'edit to lose procos-editor',
      () => (can('ed', 'create', 'procosprocesses.procos.io') === 'no' ? true : undefined),
      { timeoutMs: 60_000 },
    );
    // Helm keeps CRDs (and so every ProcOSProcess) on uninstall: deleting them is the user's call.
    expect(cluster.tryKubectl(['get', 'crd', 'workerpools.procos.io']).code).toBe(0);
  });

  it.each(PRESET_NAMES)('renders the %s preset as its golden file', (preset) => {
    const r = renderPreset(helm, preset);
    expect(r.code, r.out).toBe(0);
    const golden = goldenFile(preset);
    // UPDATE_GOLDEN=1 rewrites them after an intended change; review the diff.
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, r.out);
    expect(r.out).toBe(readFileSync(golden, 'utf8'));
  });

  it('installs the dev preset with its bundled engine, every pod Ready, and says how long it took', () => {
    // The chart can tell a Secret is missing only in a namespace it sees.
    cluster.kubectl(['create', 'namespace', 'procos-dev']);
    const missing = helm([
      'install',
      'dev',
      CHART,
      '-n',
      'procos-dev',
      '--create-namespace',
      '-f',
      join(PRESETS, 'values-dev.yaml'),
      '--set',
      'bundledEngine.auth.existingSecret=engine-token',
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.out).toContain(
      'bundledEngine.auth.existingSecret: Secret engine-token does not exist in namespace procos-dev',
    );
    const t0 = Date.now();
    const r = helm([
      'install',
      'dev',
      CHART,
      '-n',
      'procos-dev',
      '--create-namespace',
      '-f',
      join(PRESETS, 'values-dev.yaml'),
      // No storage provisioner on the test cluster: the engine's log on an emptyDir here.
      '--set',
      'bundledEngine.persistence.enabled=false',
      '--wait',
      '--timeout',
      '120s',
    ]);
    expect(r.code, r.out).toBe(0);
    const seconds = (Date.now() - t0) / 1000;
    const pods = JSON.parse(cluster.kubectl(['-n', 'procos-dev', 'get', 'pods', '-o', 'json'])) as {
      items: { metadata: { name: string }; status: { conditions?: { type: string; status: string }[] } }[];
    };
    expect(pods.items.map((p) => p.metadata.name).sort()).toEqual([
      expect.stringMatching(/^dev-procos-[a-z0-9]+-[a-z0-9]+$/),
      'dev-procos-engine-0',
    ]);
    for (const p of pods.items)
      expect(p.status.conditions?.find((c) => c.type === 'Ready')?.status, p.metadata.name).toBe('True');
    process.stdout.write(`helm install of the dev preset to all Ready: ${seconds.toFixed(1)} s (pods on KWOK nodes)\n`);
    expect(helm(['uninstall', 'dev', '-n', 'procos-dev', '--wait']).code).toBe(0);
  });
  it('namespace-scoped (watchNamespaces): Roles in those namespaces only; as its ServiceAccount the operator manages them and is denied the rest', async () => {
    for (const ns of ['procos-scoped', 'team-a', 'team-b']) cluster.kubectl(['create', 'namespace', ns]);
    const installed = helm([
      'install',
      'scoped',
      CHART,
      '-n',
      'procos-scoped',
      '--set',
      'watchNamespaces={team-a}',
      '--set',
      'engine.address=grpc://127.0.0.1:1',
    ]);
    expect(installed.code, installed.out).toBe(0);
    expect(
      cluster.kubectl(['get', 'clusterrolebinding', '-l', 'app.kubernetes.io/instance=scoped', '-o', 'name']).trim(),
    ).toBe('');
    const sa = 'system:serviceaccount:procos-scoped:scoped-procos';
    const can = (args: string[]): string => cluster.tryKubectl(['auth', 'can-i', ...args, `--as=${sa}`]).stdout.trim();
    expect(can(['list', 'workerpools.procos.io', '-n', 'team-a'])).toBe('yes');
    expect(can(['create', 'deployments.apps', '-n', 'team-a'])).toBe('yes');
    expect(can(['list', 'workerpools.procos.io', '-n', 'team-b'])).toBe('no');
    expect(can(['create', 'deployments.apps', '-n', 'team-b'])).toBe('no');
    expect(can(['list', 'deployments.apps', '--all-namespaces'])).toBe('no');

    // The ServiceAccount's own token, as the operator's pod would have it.
    const token = cluster.kubectl(['-n', 'procos-scoped', 'create', 'token', 'scoped-procos', '--duration=1h']).trim();
    const admin = parse(readFileSync(cluster.kubeconfigPath, 'utf8')) as {
      clusters: { name: string; cluster: Record<string, unknown> }[];
    };
    const dir = tempDir('procos-scoped-');
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: admin.clusters,
        users: [{ name: 'operator', user: { token } }],
        contexts: [{ name: 'operator', context: { cluster: admin.clusters[0]?.name, user: 'operator' } }],
        'current-context': 'operator',
      }),
    );
    const denied = cluster.tryKubectl(['--kubeconfig', kubeconfig, '-n', 'team-b', 'get', 'workerpools']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('forbidden');

    for (const ns of ['team-a', 'team-b'])
      for (const sample of ['sandboxpolicy', 'workerpool', 'procosprocess'])
        cluster.kubectl(['apply', '-n', ns, '-f', join(projectRoot(), `processes/samples/${sample}.yaml`)]);
    // Scripts as pods: the operator binds procos-script-runner in the pool's namespace (bind, by its Role).
    cluster.kubectl(
      ['apply', '-n', 'team-a', '-f', '-'],
      stringify({
        apiVersion: 'procos.io/v1alpha1',
        kind: 'SandboxPolicy',
        metadata: { name: 'pod-scripts' },
        spec: { allowedTaskTypes: ['py.*'], script: { isolation: 'Pod' } },
      }) +
        '---\n' +
        stringify({
          apiVersion: 'procos.io/v1alpha1',
          kind: 'WorkerPool',
          metadata: { name: 'scripts' },
          spec: {
            sandboxPolicyRef: { name: 'pod-scripts' },
            taskTypes: ['py.square'],
            replicas: 1,
            handlers: [{ taskType: 'py.square', adapter: 'python', config: { script: 'print(1)' } }],
          },
        }),
    );

    const operators: OperatorProcess[] = [];
    const operator = (identity: string, args: string[]): OperatorProcess => {
      const o = spawnOperator({
        kubeconfig,
        engineAddress: '127.0.0.1:1',
        identity,
        logDir: dir,
        leaseNamespace: 'procos-scoped',
        args: ['--worker-engine-address', 'grpc://127.0.0.1:1', ...args],
      });
      operators.push(o);
      return o;
    };
    try {
      // Cluster-wide with only Roles: every list is forbidden, the log says what to do, never ready.
      const wide = operator('cluster-wide', []);
      await waitFor(
        'the cluster-wide operator to report it may not list',
        () => wide.log().find((l) => l.msg.includes('forbidden to list') && l.msg.includes('--watch-namespaces')),
        { timeoutMs: 60_000 },
      );
      const readyz = await httpGet(`${wide.monitoring() ?? ''}/readyz`);
      expect(readyz.status).toBe(503);
      await wide.kill('SIGTERM');

      const scoped = operator('scoped', ['--watch-namespaces', 'team-a']);
      await waitFor(
        'the team-a pool to get its Deployment and its script-runner RoleBinding',
        () =>
          cluster.tryKubectl(['-n', 'team-a', 'get', 'deployment', 'hello-worker']).code === 0 &&
          cluster.tryKubectl(['-n', 'team-a', 'get', 'rolebinding', 'scripts-worker-scripts']).code === 0
            ? true
            : undefined,
        { timeoutMs: 60_000 },
      );
      const poolStatus = (ns: string): unknown =>
        (JSON.parse(cluster.kubectl(['-n', ns, 'get', 'workerpool', 'hello', '-o', 'json'])) as { status?: unknown })
          .status;
      await waitFor('the team-a pool to have a status', () => poolStatus('team-a'), { timeoutMs: 60_000 });
      // team-b was applied before team-a's pool was reconciled, and is out of the operator's sight.
      expect(poolStatus('team-b')).toBeUndefined();
      expect(cluster.kubectl(['-n', 'team-b', 'get', 'deployments', '-o', 'name']).trim()).toBe('');
      expect(scoped.log().filter((l) => l.msg.includes('forbidden'))).toEqual([]);

      // The chart installed although its engine (engine.address) does not answer; the process says so.
      const ready = await waitFor(
        'the team-a process to report the unreachable engine',
        () => {
          const p = JSON.parse(cluster.kubectl(['-n', 'team-a', 'get', 'procosprocess', 'hello', '-o', 'json'])) as {
            status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
          };
          return p.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'EngineUnavailable');
        },
        { timeoutMs: 60_000 },
      );
      expect(ready.status).toBe('False');
      expect(ready.message).toMatch(/^cannot reach the engine: .*127\.0\.0\.1:1/);
    } finally {
      for (const o of operators) await o.kill('SIGTERM');
    }
    expect(helm(['uninstall', 'scoped', '-n', 'procos-scoped', '--wait']).code).toBe(0);
    for (const ns of ['team-a', 'team-b']) cluster.kubectl(['delete', 'namespace', ns, '--wait=false']);
  });
});
