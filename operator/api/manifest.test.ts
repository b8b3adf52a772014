import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from './manifest.js';
import { loadInvalidFixtures, loadSamples, SAMPLES_DIR } from './testdata/fixtures.js';

describe('ProcOS manifests (zod schemas)', () => {
  it.each(loadSamples().map((s) => [s.file, s.doc] as const))('accepts the sample %s', (_file, doc) => {
    const result = parseManifest(doc);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it.each(loadInvalidFixtures().map((f) => [f.file, f] as const))(
    'rejects %s naming the field and the rule',
    (_file, fixture) => {
      const result = parseManifest(fixture.doc);
      expect(result.ok).toBe(false);
      const errors = result.ok ? [] : result.errors;
      const expected = errors.find((e) => e.startsWith(`${fixture.field}: `));
      expect(expected, `errors were:\n${errors.join('\n')}`).toBeDefined();
      expect(expected).toContain(fixture.message);
    },
  );

  it('reports a CEL rule failure with the rule text', () => {
    const pool = loadInvalidFixtures().find((f) => f.file === 'pool-min-exceeds-max.yaml');
    const result = parseManifest(pool?.doc);
    expect(result.ok ? [] : result.errors).toContain(
      'spec.scaling.min: scaling.min must not exceed scaling.max (rule: self.min <= self.max)',
    );
  });

  it('rejects startOnDeploy variables nested deeper than 32 levels (the apiserver cannot check depth)', () => {
    let variables: Record<string, unknown> = {};
    for (let i = 0; i < 5000; i++) variables = { a: variables };
    const result = parseManifest({
      apiVersion: 'procos.io/v1alpha1',
      kind: 'ProcOSProcess',
      metadata: { name: 'deep' },
      spec: { bpmn: { inline: '<x/>' }, startOnDeploy: { enabled: true, variables } },
    });
    expect(result.ok ? [] : result.errors).toEqual([
      'spec.startOnDeploy.variables: nests 5001 levels deep; at most 32 are allowed',
    ]);
  });

  it('fills in the documented defaults', () => {
    const result = parseManifest({
      apiVersion: 'procos.io/v1alpha1',
      kind: 'WorkerPool',
      metadata: { name: 'defaults' },
      spec: { taskTypes: ['t'], handlers: [{ taskType: 't', adapter: 'compute' }] },
    });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.manifest.spec).toMatchObject({
      maxJobsActive: 32,
      scaling: { min: 1, max: 10, targetBacklogPerReplica: 5 },
      handlers: [{ retries: 3, timeoutSeconds: 300 }],
    });
  });

  it('rejects a document of another kind with the list of ProcOS kinds', () => {
    const result = parseManifest({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    expect(result.ok ? [] : result.errors).toEqual([
      'kind: "ConfigMap" is not a ProcOS kind (procos.io/v1alpha1: ProcOSProcess, WorkerPool, SandboxPolicy)',
    ]);
  });

  it('keeps the inline BPMN of the sample process identical to processes/hello.bpmn', () => {
    const sample = loadSamples().find((s) => s.file === 'procosprocess.yaml');
    const bpmn = readFileSync(join(SAMPLES_DIR, '../hello.bpmn'), 'utf8');
    expect((sample?.doc.spec as { bpmn: { inline: string } }).bpmn.inline).toBe(bpmn);
  });
});
