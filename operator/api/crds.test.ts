import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parse as parseCel } from '@marcbachmann/cel-js';
import { openApiSchema } from './crd.js';
import { KINDS } from './kinds.js';
import { renderCrds } from './render-crds.js';
import type { JsonSchema } from './structural-schema.js';
import { applyDefaults, evaluateAllCelRules } from './testdata/crd-checks.js';
import { loadInvalidFixtures, loadSamples } from './testdata/fixtures.js';

const crdDir = new URL('../../crds/', import.meta.url);

interface CrdDocument {
  apiVersion: string;
  spec: {
    scope: string;
    names: { categories: string[] };
    versions: { schema: { openAPIV3Schema: JsonSchema }; subresources: Record<string, unknown> }[];
  };
}

function readCrd(file: string): CrdDocument {
  return parse(readFileSync(new URL(file, crdDir), 'utf8')) as CrdDocument;
}

function schemaFor(kind: unknown): JsonSchema {
  const def = KINDS.find((k) => k.kind === kind);
  if (!def) throw new Error(`no kind ${String(kind)}`);
  return openApiSchema(def);
}

function ajvFor(schema: JsonSchema): ReturnType<Ajv['compile']> {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false }); // int-or-string puts pattern beside anyOf, as Kubernetes does;
  addFormats.default(ajv);
  ajv.addVocabulary([
    'x-kubernetes-validations',
    'x-kubernetes-list-type',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-int-or-string',
  ]);
  return ajv.compile(schema);
}

/** /spec/handlers/0/adapter → spec.handlers[0].adapter */
function fieldOf(error: ErrorObject): string {
  return error.instancePath
    .split('/')
    .slice(1)
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

describe('generated CRDs', () => {
  it('crds/ matches what `make crds` generates', () => {
    for (const [file, text] of renderCrds()) {
      const committed = readFileSync(new URL(file, crdDir), 'utf8');
      expect(committed, `crds/${file} is stale: run \`make crds\``).toBe(text);
    }
  });

  it.each(KINDS.map((k) => [k.kind, k] as const))('%s: structural schema, subresources, names', (_kind, def) => {
    const crd = readCrd(`procos.io_${def.plural}.yaml`);
    const version = crd.spec.versions[0]!;
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names.categories).toEqual(['procos']);
    expect(version.subresources.status).toEqual({});
    const everyNodeTyped = (node: JsonSchema, path: string): string[] => {
      const missing = node.type || node['x-kubernetes-int-or-string'] ? [] : [path];
      for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>)) {
        missing.push(...everyNodeTyped(child, `${path}.${name}`));
      }
      if (node.items) missing.push(...everyNodeTyped(node.items as JsonSchema, `${path}[]`));
      return missing;
    };
    expect(everyNodeTyped(version.schema.openAPIV3Schema, '')).toEqual([]);
  });

  it('gives WorkerPool a scale subresource for HPA and KEDA', () => {
    const crd = readCrd('procos.io_workerpools.yaml');
    expect(crd.spec.versions[0]!.subresources.scale).toEqual({
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    });
  });

  it('every CEL rule parses', () => {
    const rules: string[] = [];
    const collect = (node: JsonSchema): void => {
      for (const r of (node['x-kubernetes-validations'] ?? []) as { rule: string }[]) rules.push(r.rule);
      for (const child of Object.values((node.properties ?? {}) as Record<string, JsonSchema>)) collect(child);
      if (node.items) collect(node.items as JsonSchema);
    };
    for (const def of KINDS) collect(openApiSchema(def));
    expect(rules.length).toBeGreaterThanOrEqual(7);
    for (const rule of rules) expect(() => parseCel(rule), rule).not.toThrow();
  });

  it.each(loadSamples().map((s) => [s.file, s.doc] as const))(
    'the openAPIV3Schema (ajv) and every CEL rule accept the sample %s',
    (_file, doc) => {
      const schema = schemaFor(doc.kind);
      const validate = ajvFor(schema);
      const defaulted = applyDefaults(schema, doc);
      expect(validate(defaulted) ? [] : validate.errors).toEqual([]);
      expect(evaluateAllCelRules(schema, defaulted).filter((r) => !r.ok)).toEqual([]);
    },
  );

  const invalid = loadInvalidFixtures();
  it.each(invalid.filter((f) => f.rejectedBy === 'schema').map((f) => [f.file, f] as const))(
    'the openAPIV3Schema (ajv) rejects %s at the named field',
    (_file, fixture) => {
      const schema = schemaFor(fixture.doc.kind);
      const validate = ajvFor(schema);
      expect(validate(applyDefaults(schema, fixture.doc))).toBe(false);
      const fields = (validate.errors ?? []).map(fieldOf);
      // A missing required field is reported on its parent, with the name in params.
      const missing = (validate.errors ?? [])
        .filter((e) => e.keyword === 'required')
        .map((e) => `${fieldOf(e)}.${(e.params as { missingProperty: string }).missingProperty}`);
      expect([...fields, ...missing]).toContain(fixture.field);
    },
  );

  it.each(invalid.filter((f) => f.rejectedBy === 'cel').map((f) => [f.file, f] as const))(
    'a CEL rule rejects %s with its message, and the schema alone accepts it',
    (_file, fixture) => {
      const schema = schemaFor(fixture.doc.kind);
      const defaulted = applyDefaults(schema, fixture.doc);
      expect(ajvFor(schema)(defaulted)).toBe(true);
      const failed = evaluateAllCelRules(schema, defaulted).filter((r) => !r.ok);
      expect(failed.map((r) => r.rule.message)).toContain(fixture.message);
      const rule = failed.find((r) => r.rule.message === fixture.message);
      expect(`${rule?.path}${rule?.rule.fieldPath ?? ''}`).toBe(fixture.field);
    },
  );
});
