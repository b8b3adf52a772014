// charts/procos with the real helm (built from its Go module) against the real control plane:
// lint, what it renders (RBAC exactly operator/rbac.ts, the restricted pod), values refused by
// values.schema.json naming the field, and install / uninstall with its checks.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { projectRoot } from '../lib/cli/version.js';
import { LEASE_RULES, OPERATOR_RULES, SCRIPT_RUNNER_RULES } from '../operator/rbac.js';
import { buildBinaries } from './cluster/control-plane.js';
import { useCluster, type TestCluster } from './cluster/test-cluster.js';
import { waitFor } from '../lib/testing/wait-for.js';

const CHART = join(projectRoot(), 'charts/procos');
const PRESETS = join(projectRoot(), 'helm');
const GOLDEN = join(projectRoot(), 'e2e/testdata/chart');

interface Doc {
  kind: string;
  metadata: { name: string };
  rules?: unknown;
  spec?: Record<string, unknown>;
}

describe('the Helm chart (real helm, real apiserver)', () => {
  let cluster: TestCluster;
  let helmBin: string;
  const helm = (args: string[]): { code: number; out: string } => {
    try {
      const out = execFileSync(helmBin, ['--kubeconfig', cluster.kubeconfigPath, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { code: 0, out };
    } catch (err) {
      const e = err as { status?: number; stdout?: string; stderr?: string };
      return { code: e.status ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  };
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

  it('refuses bad values naming the field', () => {
    const cases: [string, RegExp][] = [
      ['replicaCount=0', /\/replicaCount': minimum: got 0, want 1/],
      ['engine.address=zeebe:26500', /\/engine\/address': 'zeebe:26500' does not match pattern/],
      ['backlog.source=kafka', /\/backlog\/source'/],
      ['bogus=1', /additional properties 'bogus' not allowed/],
      ['engine.auth.strategy=OAUTH', /engine.auth.strategy is OAUTH: set engine.auth.existingSecret/],
    ];
    for (const [value, message] of cases) {
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

  it.each(['dev', 'camunda-self-managed', 'camunda-saas'])('renders the %s preset as its golden file', (preset) => {
    const r = helm([
      'template',
      'procos',
      CHART,
      '--namespace',
      'procos-system',
      '-f',
      join(PRESETS, `values-${preset}.yaml`),
    ]);
    expect(r.code, r.out).toBe(0);
    const golden = join(GOLDEN, `${preset}.yaml`);
    // UPDATE_GOLDEN=1 rewrites them after an intended change; review the diff.
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, r.out);
    expect(r.out).toBe(readFileSync(golden, 'utf8'));
  });

  it('installs the dev preset with its bundled engine, every pod Ready, and says how long it took', () => {
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
});
