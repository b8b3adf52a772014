import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../lib/testing/temp-dir.js';
import { readManifestDir } from './manifest-dir.js';

const HELLO = join(import.meta.dirname, 'testdata/hello');

function copyOfHello(): string {
  const dir = join(tempDir('procos-dir-'), 'processes');
  cpSync(HELLO, dir, { recursive: true });
  return dir;
}

describe('readManifestDir', () => {
  it('reads a kustomization: its resources, and BPMN files as the keys of a generated ConfigMap', async () => {
    const c = await readManifestDir(HELLO);
    expect(c.problems).toEqual([]);
    expect(c.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/hello-bpmn',
      'SandboxPolicy/hello',
      'WorkerPool/hello',
      'ProcOSProcess/hello',
    ]);
    const cm = c.objects[0] as { data: Record<string, string> };
    expect(cm.data['hello.bpmn']).toContain('<bpmn:process id="hello"');
    // CRD defaults are applied, as the apiserver would.
    expect(c.objects.find((o) => o.kind === 'ProcOSProcess')).toMatchObject({ spec: { deletionPolicy: 'Retain' } });
  });

  it('without a kustomization reads every YAML file of the folder', async () => {
    const dir = tempDir('procos-dir-');
    cpSync(join(HELLO, 'policy.yaml'), join(dir, 'a.yaml'));
    cpSync(join(HELLO, 'pool.yaml'), join(dir, 'b.yml'));
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    const c = await readManifestDir(dir);
    expect(c.objects.map((o) => o.kind)).toEqual(['SandboxPolicy', 'WorkerPool']);
  });

  it('changes its checksum when a generated BPMN changes, and only then', async () => {
    const dir = copyOfHello();
    const before = await readManifestDir(dir);
    expect((await readManifestDir(dir)).checksum).toBe(before.checksum);
    writeFileSync(join(dir, 'hello.bpmn'), '<changed/>');
    expect((await readManifestDir(dir)).checksum).not.toBe(before.checksum);
  });

  it('names the file, document, object and field of an invalid manifest', async () => {
    const dir = copyOfHello();
    writeFileSync(
      join(dir, 'pool.yaml'),
      'apiVersion: procos.io/v1alpha1\nkind: WorkerPool\nmetadata:\n  name: bad\nspec:\n  taskTypes: []\n  handlers: []\n',
    );
    const c = await readManifestDir(dir);
    expect(c.problems).toHaveLength(1);
    expect(c.problems[0]).toMatchObject({ where: 'pool.yaml', object: 'WorkerPool/bad' });
    expect(c.problems[0]?.message).toContain('spec.taskTypes');
  });

  it('refuses what procos up would run differently from a cluster, naming it', async () => {
    const dir = copyOfHello();
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      [
        'resources: [policy.yaml, ../outside.yaml, https://example.com/x.yaml]',
        'patches: [{ path: p.yaml }]',
        'configMapGenerator: [{ name: hello-bpmn, files: [hello.bpmn] }]',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'secret.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n');
    const messages = (await readManifestDir(dir)).problems.map((p) => p.message).join('\n');
    expect(messages).toContain('patches: not supported by procos up');
    expect(messages).toContain('"../outside.yaml" is not a YAML or JSON file inside');
    expect(messages).toContain('"https://example.com/x.yaml" is not a YAML or JSON file inside');
    expect(messages).toContain('generatorOptions.disableNameSuffixHash must be true');
  });

  it('says a Secret or other kind is not run locally', async () => {
    const dir = tempDir('procos-dir-');
    writeFileSync(join(dir, 'secret.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n');
    const c = await readManifestDir(dir);
    expect(c.problems[0]?.message).toBe(
      'kind Secret is not run by procos up (it runs ProcOSProcess, WorkerPool, SandboxPolicy, ConfigMap)',
    );
  });

  it('reports YAML syntax errors with the document number', async () => {
    const dir = tempDir('procos-dir-');
    writeFileSync(join(dir, 'x.yaml'), 'kind: SandboxPolicy\n---\nkind: [unclosed\n');
    const c = await readManifestDir(dir);
    expect(c.problems.map((p) => p.where)).toContain('x.yaml#2');
  });
});
