// The manifests `procos up` runs: the same files `kubectl apply -k DIR` (or Argo CD) applies
// to a cluster. With a kustomization.yaml, its `resources` (files) and `configMapGenerator`
// (BPMN files become ConfigMap keys that ProcOSProcess.spec.bpmn.configMapRef names); without
// one, every *.yaml / *.yml / *.json file of DIR. Only the subset of kustomize that means the
// same thing here as on a cluster is read; anything else is an error naming the field, never
// silently ignored (a field ignored here would behave differently on the cluster).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, normalize, relative } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseManifest, type Manifest } from '../../operator/api/index.js';

export interface ConfigMapManifest {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; namespace?: string };
  data: Record<string, string>;
}

export type DirObject = Manifest | ConfigMapManifest;

/** A document that could not be read or is invalid, with where it is. */
export interface DirProblem {
  /** file (relative to DIR), with `#n` for the n-th YAML document when the file has several. */
  where: string;
  /** Kind/name when known, to say which object keeps its last good version. */
  object?: string;
  message: string;
}

export interface DirContents {
  objects: DirObject[];
  problems: DirProblem[];
  /** Every file read (the watcher reacts to these and to new files in DIR). */
  files: string[];
  /** sha256 over all objects: an unchanged folder is not reconciled again. */
  checksum: string;
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const KUSTOMIZATION_FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'configMapGenerator',
  'generatorOptions',
  'namespace',
]);

/** Kinds `procos up` runs; a Secret or a Deployment in DIR is a cluster matter. */
const LOCAL_KINDS = 'ProcOSProcess, WorkerPool, SandboxPolicy, ConfigMap';

export function kustomizationFile(dir: string): string | undefined {
  return KUSTOMIZATION_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
}

export async function readManifestDir(dir: string): Promise<DirContents> {
  const problems: DirProblem[] = [];
  const objects: DirObject[] = [];
  const files: string[] = [];
  const kfile = kustomizationFile(dir);
  let resources: string[];
  let namespace: string | undefined;
  if (kfile) {
    files.push(kfile);
    const k = await readKustomization(dir, kfile, problems);
    resources = k.resources;
    namespace = k.namespace;
    for (const cm of k.configMaps) objects.push(cm);
    files.push(...k.generatorFiles);
  } else {
    resources = (await readdir(dir))
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .sort()
      .map((f) => join(dir, f));
  }
  for (const file of resources) {
    files.push(file);
    await readResourceFile(dir, file, objects, problems);
  }
  if (namespace) for (const o of objects) o.metadata.namespace = namespace;
  const checksum = createHash('sha256').update(JSON.stringify(objects)).digest('hex');
  return { objects, problems, files, checksum };
}

interface Kustomization {
  resources: string[];
  namespace?: string;
  configMaps: ConfigMapManifest[];
  generatorFiles: string[];
}

function inside(dir: string, path: string): string | undefined {
  if (isAbsolute(path) || /^[a-z]+:\/\//i.test(path)) return undefined;
  const full = normalize(join(dir, path));
  return relative(dir, full).startsWith('..') ? undefined : full;
}

async function readKustomization(dir: string, file: string, problems: DirProblem[]): Promise<Kustomization> {
  const where = basename(file);
  const out: Kustomization = { resources: [], configMaps: [], generatorFiles: [] };
  let k: Record<string, unknown>;
  try {
    k = (parseYaml(await readFile(file, 'utf8')) ?? {}) as Record<string, unknown>;
  } catch (err) {
    problems.push({ where, message: `YAML: ${(err as Error).message}` });
    return out;
  }
  const unknown = Object.keys(k).filter((f) => !KUSTOMIZATION_FIELDS.has(f));
  if (unknown.length)
    problems.push({
      where,
      message:
        `${unknown.join(', ')}: not supported by procos up, which reads resources, configMapGenerator, ` +
        'generatorOptions.disableNameSuffixHash and namespace (use `kubectl apply -k` on a cluster for the rest)',
    });
  if (typeof k.namespace === 'string') out.namespace = k.namespace;
  for (const r of (k.resources as unknown[] | undefined) ?? []) {
    const full = typeof r === 'string' ? inside(dir, r) : undefined;
    if (!full || !/\.(ya?ml|json)$/.test(full) || !existsSync(full)) {
      problems.push({
        where,
        message: `resources: ${JSON.stringify(r)} is not a YAML or JSON file inside ${dir} (procos up reads files, not folders or URLs)`,
      });
      continue;
    }
    out.resources.push(full);
  }
  const options = (k.generatorOptions ?? {}) as Record<string, unknown>;
  const generators = (k.configMapGenerator as Record<string, unknown>[] | undefined) ?? [];
  // A hash suffix renames the ConfigMap, and kustomize rewrites references to it only in
  // kinds it knows: a ProcOSProcess's configMapRef would point at a name that does not exist.
  if (generators.length && options.disableNameSuffixHash !== true)
    problems.push({
      where,
      message:
        'generatorOptions.disableNameSuffixHash must be true: kustomize does not rewrite ProcOSProcess.spec.bpmn.configMapRef to a hashed name',
    });
  for (const g of generators) {
    const cm = await generateConfigMap(dir, g, problems, where);
    if (cm) {
      out.configMaps.push(cm.manifest);
      out.generatorFiles.push(...cm.files);
    }
  }
  return out;
}

async function generateConfigMap(
  dir: string,
  g: Record<string, unknown>,
  problems: DirProblem[],
  where: string,
): Promise<{ manifest: ConfigMapManifest; files: string[] } | undefined> {
  const name = typeof g.name === 'string' ? g.name : undefined;
  if (!name) {
    problems.push({ where, message: 'configMapGenerator: an entry has no name' });
    return undefined;
  }
  const unknown = Object.keys(g).filter((f) => !['name', 'files', 'literals', 'namespace'].includes(f));
  if (unknown.length)
    problems.push({ where, message: `configMapGenerator ${name}: ${unknown.join(', ')} not supported by procos up` });
  const data: Record<string, string> = {};
  const files: string[] = [];
  for (const entry of (g.files as unknown[] | undefined) ?? []) {
    const spec = String(entry);
    // kustomize's form: `path` (key = file name) or `key=path`.
    const [key, path] = spec.includes('=') ? (spec.split('=', 2) as [string, string]) : [basename(spec), spec];
    const full = inside(dir, path);
    if (!full || !existsSync(full)) {
      problems.push({ where, message: `configMapGenerator ${name}: file ${JSON.stringify(path)} not found in ${dir}` });
      continue;
    }
    files.push(full);
    data[key] = await readFile(full, 'utf8');
  }
  for (const entry of (g.literals as unknown[] | undefined) ?? []) {
    const [key, ...value] = String(entry).split('=');
    if (key) data[key] = value.join('=');
  }
  const manifest: ConfigMapManifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
  if (typeof g.namespace === 'string') manifest.metadata.namespace = g.namespace;
  return { manifest, files };
}

function configMapOf(doc: Record<string, unknown>): ConfigMapManifest | string {
  const meta = (doc.metadata ?? {}) as Record<string, unknown>;
  if (typeof meta.name !== 'string' || !meta.name) return 'metadata.name: required';
  const data = (doc.data ?? {}) as Record<string, unknown>;
  const bad = Object.entries(data).filter(([, v]) => typeof v !== 'string');
  if (bad.length) return `data.${bad[0]?.[0] ?? ''}: must be a string`;
  const cm: ConfigMapManifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: meta.name },
    data: data as Record<string, string>,
  };
  if (typeof meta.namespace === 'string') cm.metadata.namespace = meta.namespace;
  return cm;
}

async function readResourceFile(
  dir: string,
  file: string,
  objects: DirObject[],
  problems: DirProblem[],
): Promise<void> {
  const rel = relative(dir, file);
  const docs = parseAllDocuments(await readFile(file, 'utf8'));
  const several = docs.length > 1;
  docs.forEach((doc, i) => {
    const where = several ? `${rel}#${i + 1}` : rel;
    if (doc.errors.length) {
      problems.push({ where, message: doc.errors.map((e) => `YAML: ${e.message}`).join('; ') });
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const v = value as Record<string, unknown>;
    const meta = (v.metadata ?? {}) as { name?: unknown };
    const object = `${String(v.kind)}/${typeof meta.name === 'string' ? meta.name : '?'}`;
    if (v.kind === 'ConfigMap' && v.apiVersion === 'v1') {
      const cm = configMapOf(v);
      if (typeof cm === 'string') problems.push({ where, object, message: cm });
      else objects.push(cm);
      return;
    }
    if (typeof v.kind === 'string' && !/^(ProcOSProcess|WorkerPool|SandboxPolicy)$/.test(v.kind)) {
      problems.push({ where, object, message: `kind ${v.kind} is not run by procos up (it runs ${LOCAL_KINDS})` });
      return;
    }
    const parsed = parseManifest(value);
    if (!parsed.ok) problems.push({ where, object, message: parsed.errors.join('; ') });
    else objects.push(parsed.manifest);
  });
}
