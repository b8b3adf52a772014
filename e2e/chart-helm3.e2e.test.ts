// charts/procos is for Helm 4 and also installable with Helm 3: the same checks with the real
// Helm 3 (built from the helm.sh/helm/v3 module by build.sh, PROCOS_HELM3) against the real
// control plane — lint, every preset renders the objects of its golden file (written by Helm 4),
// values.schema.json refuses a wrong value naming the field, and the dev preset installs to all
// Ready on the KWOK node, upgrades with a changed value and uninstalls leaving nothing of the release.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { projectRoot } from '../lib/cli/version.js';
import { waitFor } from '../lib/testing/wait-for.js';
import { useCluster, type TestCluster } from './cluster/test-cluster.js';
import {
  BAD_VALUES,
  expectReleaseGone,
  goldenFile,
  helmRunner,
  PRESET_NAMES,
  renderPreset,
  type Helm,
} from './testing/helm.js';

const root = projectRoot();
const CHART = join(root, 'charts/procos');
const PRESETS = join(root, 'helm');
const NS = 'procos-dev3';
const RELEASE = 'dev3';

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}
interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { containers: { args?: string[] }[] };
  status: { conditions?: { type: string; status: string }[] };
}

/** build.sh builds (once, cached) Helm 3 and prints PROCOS_HELM3=<its path>. */
function helm3Path(): string {
  const out = execFileSync('bash', [join(root, 'e2e/cluster/build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const path = out
    .split('\n')
    .find((l) => l.startsWith('PROCOS_HELM3='))
    ?.slice('PROCOS_HELM3='.length);
  if (!path) throw new Error(`build.sh printed no PROCOS_HELM3: ${out}`);
  return path;
}

const docsOf = (yaml: string): Doc[] =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);

describe('the Helm chart with Helm 3 (real helm v3, real apiserver)', () => {
  let cluster: TestCluster;
  let helmBin: string;
  const helm: Helm = (args) => helmRunner(helmBin, () => cluster.kubeconfigPath)(args);
  const devValues = [
    '-f',
    join(PRESETS, 'values-dev.yaml'),
    // No storage provisioner on the test cluster: the engine's log on an emptyDir here.
    '--set',
    'bundledEngine.persistence.enabled=false',
  ];
  const pods = (): Pod[] =>
    (JSON.parse(cluster.kubectl(['-n', NS, 'get', 'pods', '-o', 'json'])) as { items: Pod[] }).items;
  const ready = (p: Pod): boolean => p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  /** `kubectl get` of one object of a manifest: its name, or '' when it does not exist. */
  const find = (d: Doc): string => {
    const group = d.apiVersion.includes('/') ? `.${d.apiVersion.split('/')[0]}` : '';
    return cluster
      .kubectl([
        'get',
        `${d.kind.toLowerCase()}${group}`,
        d.metadata.name,
        '-n',
        d.metadata.namespace ?? NS,
        '--ignore-not-found',
        '-o',
        'name',
      ])
      .trim();
  };

  beforeAll(async () => {
    cluster = await useCluster();
    helmBin = helm3Path();
  }, 900_000);
  afterAll(async () => cluster.stop());

  it('is Helm 3, and passes helm lint --strict', () => {
    const version = helm(['version', '--template', '{{ .Version }}']);
    expect(version.code, version.out).toBe(0);
    expect(version.out).toMatch(/^v3\.\d+\.\d+$/);
    const r = helm(['lint', '--strict', CHART]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  // Helm 3 lays the text out a little differently from Helm 4 (blank lines between documents, a
  // `---` before a template's leading comment): the objects are what must be the same.
  it.each(PRESET_NAMES)('renders the %s preset as the objects of its golden file', (preset) => {
    const r = renderPreset(helm, preset);
    expect(r.code, r.out).toBe(0);
    const golden = docsOf(readFileSync(goldenFile(preset), 'utf8'));
    expect(golden.length).toBeGreaterThan(10);
    expect(docsOf(r.out)).toEqual(golden);
  });

  it('refuses bad values naming the field', () => {
    for (const [value, message] of BAD_VALUES) {
      const r = helm(['template', 'procos', CHART, '--set', value]);
      expect(r.code, value).not.toBe(0);
      expect(r.out, value).toMatch(message);
    }
  });

  it('installs the dev preset to all Ready, upgrades with a changed value, and uninstalls leaving nothing of the release', async () => {
    cluster.kubectl(['create', 'namespace', NS]);
    // lookup works under Helm 3 too: a missing existingSecret is refused, naming it.
    const refused = helm([
      'install',
      RELEASE,
      CHART,
      '-n',
      NS,
      ...devValues,
      '--set',
      'engine.address=grpc://zeebe:26500',
      '--set',
      'engine.auth.strategy=OAUTH',
      '--set',
      'engine.auth.existingSecret=zeebe-credentials',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain(`Secret zeebe-credentials does not exist in namespace ${NS}`);
    const noToken = helm([
      'install',
      RELEASE,
      CHART,
      '-n',
      NS,
      ...devValues,
      '--set',
      'bundledEngine.auth.existingSecret=engine-token',
    ]);
    expect(noToken.code).not.toBe(0);
    expect(noToken.out).toContain(`Secret engine-token does not exist in namespace ${NS}`);

    const installed = helm(['install', RELEASE, CHART, '-n', NS, ...devValues, '--wait', '--timeout', '120s']);
    expect(installed.code, installed.out).toBe(0);
    expect(installed.out).toContain('kubectl apply -k processes/');
    expect(
      pods()
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual([expect.stringMatching(/^dev3-procos-[a-z0-9]+-[a-z0-9]+$/), 'dev3-procos-engine-0']);
    for (const p of pods()) expect(ready(p), p.metadata.name).toBe(true);
    const token = (): string =>
      cluster.kubectl(['-n', NS, 'get', 'secret', 'dev3-procos-engine-auth', '-o', 'jsonpath={.data.token}']);
    const tokenBefore = token();

    const upgraded = helm([
      'upgrade',
      RELEASE,
      CHART,
      '-n',
      NS,
      ...devValues,
      '--set',
      'concurrency=4',
      '--wait',
      '--timeout',
      '120s',
    ]);
    expect(upgraded.code, upgraded.out).toBe(0);
    const deployment = JSON.parse(cluster.kubectl(['-n', NS, 'get', 'deployment', 'dev3-procos', '-o', 'json'])) as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    const args = deployment.spec.template.spec.containers[0]?.args;
    expect(args).toContain('--concurrency=4');
    expect(args).not.toContain('--concurrency=8');
    // lookup found the engine's token Secret under Helm 3 too: the token stays.
    expect(token()).toBe(tokenBefore);
    // --wait returned once the new operator pod was Ready.
    const operators = pods().filter((p) => p.metadata.name.startsWith('dev3-procos-') && !p.metadata.deletionTimestamp);
    expect(operators.find((p) => p.spec.containers[0]?.args?.includes('--concurrency=4') && ready(p))).toBeDefined();
    const history = JSON.parse(helm(['history', RELEASE, '-n', NS, '-o', 'json']).out) as {
      revision: number;
      status: string;
    }[];
    expect(history.map((h) => `${h.revision} ${h.status}`)).toEqual(['1 superseded', '2 deployed']);

    // Every object of the release, as Helm 3 recorded it.
    const manifest = helm(['get', 'manifest', RELEASE, '-n', NS]);
    expect(manifest.code, manifest.out).toBe(0);
    const objects = docsOf(manifest.out);
    expect(objects.map((d) => d.kind)).toEqual(
      expect.arrayContaining(['Deployment', 'StatefulSet', 'ClusterRole', 'ClusterRoleBinding', 'Service']),
    );
    for (const d of objects) expect(find(d), `${d.kind} ${d.metadata.name}`).not.toBe('');

    const gone = helm(['uninstall', RELEASE, '-n', NS, '--wait', '--timeout', '120s']);
    expect(gone.code, gone.out).toBe(0);
    for (const d of objects) expect(find(d), `${d.kind} ${d.metadata.name}`).toBe('');
    await waitFor('the release pods to go', () => (pods().length === 0 ? true : undefined), { timeoutMs: 120_000 });
    expectReleaseGone((args) => cluster.kubectl(args), NS, RELEASE);
    for (const kind of ['clusterrole', 'clusterrolebinding'])
      expect(
        cluster.kubectl(['get', kind, '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'name']).trim(),
        kind,
      ).toBe('');
    // Helm 3's release records (Secrets owner=helm) are gone too, and it lists no release.
    expect(cluster.kubectl(['-n', NS, 'get', 'secrets', '-l', `owner=helm,name=${RELEASE}`, '-o', 'name']).trim()).toBe(
      '',
    );
    expect(helm(['list', '-n', NS, '--all', '-q']).out.trim()).toBe('');
    // Helm keeps CRDs on uninstall.
    expect(cluster.tryKubectl(['get', 'crd', 'workerpools.procos.io']).code).toBe(0);
    cluster.kubectl(['delete', 'namespace', NS, '--wait=false']);
  });
});
