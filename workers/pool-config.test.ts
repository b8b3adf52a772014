import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../lib/cli/version.js';
import { bindPool, loadPool } from './pool-config.js';

const samples = join(projectRoot(), 'processes/samples');
const sample = (): { spec: { handlers: Record<string, unknown>[] } } =>
  parse(readFileSync(join(samples, 'workerpool.yaml'), 'utf8')) as {
    spec: { handlers: Record<string, unknown>[] };
  };
const samplePolicy = (): unknown => parse(readFileSync(join(samples, 'sandboxpolicy.yaml'), 'utf8'));

describe('procos-worker pool configuration (the WorkerPool manifest itself)', () => {
  it('binds every handler of the sample pool, with the CRD defaults', async () => {
    const r = await loadPool(join(samples, 'workerpool.yaml'), { policyFile: join(samples, 'sandboxpolicy.yaml') });
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.pool.name).toBe('hello');
    expect(r.pool.maxJobsActive).toBe(32);
    expect(r.pool.handlers.map((h) => [h.taskType, h.adapter, h.retries, h.timeoutSeconds])).toEqual([
      ['hello.greet', 'format', 3, 300],
      ['hello.reply', 'format', 1, 30],
    ]);
  });

  it("names the handler, the field and the rule when a config fails its adapter's schema", () => {
    const doc = sample();
    doc.spec.handlers[0] = { taskType: 'hello.greet', adapter: 'format', config: { template: 'Hi {{ name', extra: 1 } };
    const r = bindPool([doc, samplePolicy()]);
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors).toContainEqual(
      expect.stringMatching(/^spec\.handlers\[0\] \(hello\.greet\)\.config\.template: the template does not parse: /),
    );
    expect(errors).toContainEqual(
      expect.stringMatching(/^spec\.handlers\[0\] \(hello\.greet\)\.config: Unrecognized key: "extra"/),
    );
  });

  it('refuses an adapter name it does not know, listing the ones there are', () => {
    const doc = sample();
    doc.spec.handlers[1] = { taskType: 'hello.reply', adapter: 'ftp', config: {} };
    const r = bindPool([doc, samplePolicy()]);
    expect(r.ok ? '' : r.errors.join('\n')).toMatch(
      /spec\.handlers\[1\]\.adapter: .*"http".*"python".*"smtp".*"ai".*"validate".*"format".*"compute"/,
    );
  });

  it('reports schema errors of the manifest itself, and files that are missing or not YAML', async () => {
    const doc = sample();
    doc.spec.handlers[0] = { taskType: 'not.listed', adapter: 'format', config: { template: 'x' } };
    const r = bindPool([doc, samplePolicy()]);
    expect(r.ok ? [] : r.errors.join('\n')).toContain('every handler must serve a task type listed in taskTypes');
    expect(bindPool({ apiVersion: 'procos.io/v1alpha1', kind: 'ConfigMap', metadata: { name: 'x' } })).toEqual({
      ok: false,
      errors: ['kind: expected a WorkerPool (and optionally its SandboxPolicy), found ConfigMap'],
    });
    expect(bindPool(samplePolicy())).toEqual({ ok: false, errors: ['expected exactly one WorkerPool, found 0'] });
    const missing = await loadPool('/no/such/pool.yaml');
    expect(missing.ok ? '' : missing.errors[0]).toContain('/no/such/pool.yaml: ENOENT');
  });
});
