// The apiserver is the judge of the generated CRDs: structural schema, CEL rules (and their
// cost), list types, the scale subresource, printer columns and categories.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { projectRoot } from '../lib/cli/version.js';
import { parseManifest } from '../operator/api/index.js';
import { loadInvalidFixtures, loadSamples } from '../operator/api/testdata/fixtures.js';
import { readManifestDir } from '../cli/up/manifest-dir.js';
import { installCrds, useCluster, type TestCluster } from './cluster/test-cluster.js';
import { waitFor } from '../lib/testing/wait-for.js';

const NS = 'procos-crd-e2e';

describe('CRDs on a real kube-apiserver', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await useCluster();
    installCrds(cluster, join(projectRoot(), 'crds'));
    cluster.kubectl(['create', 'namespace', NS]);
  }, 600_000);
  afterAll(async () => cluster.stop());

  it('accepts all three CRDs with their CEL rules (cost budget included)', () => {
    const names = cluster.kubectl(['get', 'crd', '-o', 'jsonpath={.items[*].metadata.name}']).split(' ');
    expect(names).toEqual(
      expect.arrayContaining(['procosprocesses.procos.io', 'workerpools.procos.io', 'sandboxpolicies.procos.io']),
    );
  });

  it('explains fields with the descriptions from the zod schemas', async () => {
    // The apiserver publishes a new CRD's OpenAPI a moment after it is Established.
    let last = '';
    const explain = await waitFor(
      () => `kubectl explain workerpool.spec.scaling.targetBacklogPerReplica to succeed (last: ${last})`,
      () => {
        const r = cluster.tryKubectl(['explain', 'workerpool.spec.scaling.targetBacklogPerReplica']);
        last = r.stderr;
        return r.code === 0 ? r.stdout : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(explain).toContain('Activatable jobs per replica the scaler aims for');
  });

  it.each(loadSamples().map((s) => [s.file, s.doc] as const))(
    'accepts the sample %s and applies the same defaults as the zod schema',
    (_file, doc) => {
      const stored = JSON.parse(cluster.kubectl(['apply', '-n', NS, '-o', 'json', '-f', '-'], stringify(doc))) as {
        spec: unknown;
      };
      // One source of defaults: what `procos lint` and the operator assume is what the apiserver stores.
      const parsed = parseManifest(doc);
      if (!parsed.ok) throw new Error(`the sample is invalid for zod: ${parsed.errors.join('; ')}`);
      expect(stored.spec).toEqual(JSON.parse(JSON.stringify(parsed.manifest.spec)));
      // And the sample leaves something to default, or this would prove nothing.
      expect(parsed.manifest.spec).not.toEqual((doc as { spec: unknown }).spec);
    },
  );

  it('lists every kind in the procos category, with printer columns', () => {
    const out = cluster.kubectl(['get', 'procos', '-n', NS]);
    expect(out).toMatch(/workerpool\.procos\.io\/hello/);
    expect(out).toMatch(/sandboxpolicy\.procos\.io\/hello/);
    expect(out).toMatch(/procosprocess\.procos\.io\/hello/);
    expect(cluster.kubectl(['get', 'wp', '-n', NS])).toMatch(
      /NAME\s+DESIRED\s+READY REPLICAS\s+BACKLOG\s+READY\s+REASON\s+AGE/,
    );
    const defaults = JSON.parse(cluster.kubectl(['get', 'wp', 'hello', '-n', NS, '-o', 'json'])) as {
      spec: { maxJobsActive: number; scaling: { scaleDownCooldownSeconds: number } };
    };
    expect(defaults.spec.maxJobsActive).toBe(32);
    expect(defaults.spec.scaling.scaleDownCooldownSeconds).toBe(300);
  });

  it('drives WorkerPool replicas through the scale subresource (kubectl scale, HPA, KEDA)', () => {
    cluster.kubectl(['scale', 'workerpool', 'hello', '-n', NS, '--replicas=3']);
    expect(cluster.kubectl(['get', 'wp', 'hello', '-n', NS, '-o', 'jsonpath={.spec.replicas}'])).toBe('3');
    const scale = JSON.parse(
      cluster.kubectl(['get', '--raw', `/apis/procos.io/v1alpha1/namespaces/${NS}/workerpools/hello/scale`]),
    ) as { kind: string; spec: { replicas: number } };
    expect(scale).toMatchObject({ kind: 'Scale', spec: { replicas: 3 } });
  });

  it.each(loadInvalidFixtures().map((f) => [f.file, f] as const))('rejects %s naming the field', (_file, fixture) => {
    const r = cluster.tryKubectl(['create', '-n', NS, '-f', '-'], stringify(fixture.doc));
    expect(r.code, `apiserver accepted ${fixture.file}`).not.toBe(0);
    if (fixture.rejectedBy === 'list-type') {
      expect(r.stderr).toContain(fixture.field.replace(/\.[^.[]+$/, ''));
      expect(r.stderr).toContain('Duplicate value');
    } else {
      expect(r.stderr).toContain(fixture.field);
      if (fixture.rejectedBy === 'cel') expect(r.stderr).toContain(fixture.message);
    }
  });

  it('keeps crds/ applyable as plain YAML (kubectl apply -f crds/ in the README)', () => {
    const text = readFileSync(join(projectRoot(), 'crds', 'procos.io_workerpools.yaml'), 'utf8');
    expect(cluster.tryKubectl(['apply', '--dry-run=server', '-f', '-'], text).code).toBe(0);
  });

  it('stores from `kubectl apply -k processes/` exactly what procos up reads from that folder', async () => {
    const ns = 'procos-kustomize-e2e';
    cluster.kubectl(['create', 'namespace', ns]);
    const dir = join(projectRoot(), 'processes');
    const applied = JSON.parse(cluster.kubectl(['apply', '-k', dir, '-n', ns, '-o', 'json'])) as {
      items: { kind: string; metadata: { name: string }; spec?: unknown; data?: unknown }[];
    };
    const read = await readManifestDir(dir);
    expect(read.problems).toEqual([]);
    const key = (o: { kind: string; metadata: { name: string } }): string => `${o.kind}/${o.metadata.name}`;
    expect(applied.items.map(key).sort()).toEqual(read.objects.map(key).sort());
    for (const ours of read.objects) {
      const stored = applied.items.find((o) => key(o) === key(ours));
      // The apiserver's defaults are the zod schema's: the same spec on both hosts.
      if (ours.kind === 'ConfigMap') expect(stored?.data, key(ours)).toEqual(ours.data);
      else expect(stored?.spec, key(ours)).toEqual(JSON.parse(JSON.stringify(ours.spec)));
    }
  });
});
