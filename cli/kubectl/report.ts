// `kubectl procos report`: a support bundle — our custom resources, what the operator owns for
// them (Deployments, ConfigMaps, their pods), events, the operator's Deployment and logs, and
// versions — redacted (cli/kubectl/redact.ts) and written as a .tar.gz or a folder. What could
// not be collected (RBAC, a pod without logs) is listed in README.txt, never fatal.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { VERSION } from '../../lib/cli/version.js';
import type { KubeObject } from '../../operator/runtime/kube-client.js';
import { CommandError, EXIT, out, parseFlags, type Command } from '../commands/command.js';
import { Cluster, CLUSTER_FLAGS } from './cluster.js';
import { findOperators, type OperatorDeployment } from './operator-deployment.js';
import { Redactor, redactSecret, secretValues } from './redact.js';
import { tarGz, type TarEntry } from './tar-gz.js';

const KINDS = ['procosprocesses', 'workerpools', 'sandboxpolicies'] as const;
const LOG_LINES = 2000;

type Obj = KubeObject & {
  metadata: KubeObject['metadata'] & {
    managedFields?: unknown;
    ownerReferences?: { apiVersion?: string; kind?: string; name?: string }[];
  };
  spec?: Record<string, unknown>;
};

/** managedFields are noise in a bundle; everything else is kept as the apiserver returned it. */
const trim = (o: Obj): Obj => {
  const { managedFields: _m, ...metadata } = o.metadata;
  return { ...o, metadata };
};

/** Secrets an object's pod template or spec refers to by name. */
function secretNames(o: unknown): string[] {
  const names = new Set<string>();
  const walk = (v: unknown, key?: string): void => {
    if (Array.isArray(v)) for (const x of v) walk(x, key);
    else if (v && typeof v === 'object') {
      const r = v as Record<string, unknown>;
      if ((key === 'secretRef' || key === 'secretKeyRef') && typeof r.name === 'string') names.add(r.name);
      if (key === 'secret' && typeof r.secretName === 'string') names.add(r.secretName);
      if (key === 'secretRefs' && typeof r.name === 'string') names.add(r.name);
      for (const [k, x] of Object.entries(r)) walk(x, k);
    }
  };
  walk(o);
  return [...names];
}

class Bundle {
  /** Text, or objects written as YAML. */
  readonly files = new Map<string, unknown>();
  readonly problems: string[] = [];
  readonly secrets = new Redactor();

  async attempt(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.problems.push(`${what}: ${(err as Error).message}`);
    }
  }

  /** Reads Secrets by name: their values become redactions, their keys a file of the bundle. */
  async readSecrets(cluster: Cluster, namespace: string, names: string[], into: string): Promise<void> {
    const shown: unknown[] = [];
    for (const name of [...new Set(names)].sort())
      await this.attempt(`Secret ${namespace}/${name}`, async () => {
        const s = await cluster.getOf<Obj & { data?: Record<string, string> }>('v1', 'secrets', namespace, name);
        if (!s) {
          shown.push({ metadata: { name, namespace }, missing: true });
          return;
        }
        this.secrets.addSecretValues(secretValues(s));
        shown.push(redactSecret(trim(s)));
      });
    if (shown.length) this.files.set(into, shown);
  }

  /** Everything redacted, as bundle entries. */
  entries(readme: (redactions: number) => string): TarEntry[] {
    const entries: TarEntry[] = [...this.files].map(([path, content]) => ({
      path,
      content:
        typeof content === 'string'
          ? this.secrets.text(content)
          : stringify(this.secrets.value(content), { lineWidth: 0 }),
    }));
    return [{ path: 'README.txt', content: this.secrets.text(readme(this.secrets.replaced)) }, ...entries];
  }
}

async function podLogs(
  cluster: Cluster,
  bundle: Bundle,
  pod: Obj & { status?: { containerStatuses?: { name: string; restartCount?: number }[] } },
  dir: string,
): Promise<void> {
  const ns = pod.metadata.namespace ?? '';
  for (const c of pod.status?.containerStatuses ?? []) {
    const path = `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/log`;
    await bundle.attempt(`log of ${ns}/${pod.metadata.name} (${c.name})`, async () => {
      bundle.files.set(
        `${dir}/${pod.metadata.name}.${c.name}.log`,
        await cluster.text(path, { container: c.name, tailLines: LOG_LINES }),
      );
    });
    if (c.restartCount)
      await bundle.attempt(`previous log of ${ns}/${pod.metadata.name} (${c.name})`, async () => {
        bundle.files.set(
          `${dir}/${pod.metadata.name}.${c.name}.previous.log`,
          await cluster.text(path, { container: c.name, tailLines: LOG_LINES, previous: true }),
        );
      });
  }
}

async function collectNamespace(cluster: Cluster, bundle: Bundle, ns: string, ours: Map<string, Obj[]>): Promise<void> {
  const dir = `namespaces/${ns}`;
  const inNs = (kind: string): Obj[] => (ours.get(kind) ?? []).filter((o) => o.metadata.namespace === ns);
  for (const kind of KINDS) if (inNs(kind).length) bundle.files.set(`${dir}/${kind}.yaml`, inNs(kind).map(trim));
  const poolNames = new Set(inNs('workerpools').map((p) => p.metadata.name));
  const ownedByPool = (o: Obj): boolean =>
    (o.metadata.ownerReferences ?? []).some((r) => r.kind === 'WorkerPool' && poolNames.has(r.name ?? ''));
  let deployments: Obj[] = [];
  await bundle.attempt(`Deployments of ${ns}`, async () => {
    deployments = (await cluster.listOf<Obj>('apps/v1', 'deployments', { namespace: ns })).filter(ownedByPool);
    if (deployments.length) bundle.files.set(`${dir}/deployments.yaml`, deployments.map(trim));
  });
  await bundle.attempt(`ConfigMaps of ${ns}`, async () => {
    const referenced = new Set(
      inNs('procosprocesses').flatMap((p) => {
        const ref = (p.spec?.bpmn as { configMapRef?: { name?: string } } | undefined)?.configMapRef?.name;
        return ref ? [ref] : [];
      }),
    );
    const cms = (await cluster.listOf<Obj>('v1', 'configmaps', { namespace: ns })).filter(
      (c) => ownedByPool(c) || referenced.has(c.metadata.name),
    );
    if (cms.length) bundle.files.set(`${dir}/configmaps.yaml`, cms.map(trim));
  });
  await bundle.readSecrets(
    cluster,
    ns,
    [...inNs('workerpools'), ...deployments].flatMap(secretNames),
    `${dir}/secrets.yaml`,
  );
  let pods: Obj[] = [];
  await bundle.attempt(`worker pods of ${ns}`, async () => {
    pods = await cluster.listOf<Obj>('v1', 'pods', { namespace: ns, labelSelector: 'procos.io/pool' });
    if (pods.length) bundle.files.set(`${dir}/pods.yaml`, pods.map(trim));
  });
  for (const pod of pods) await podLogs(cluster, bundle, pod, `${dir}/logs`);
  await bundle.attempt(`events of ${ns}`, async () => {
    const names = new Set([...KINDS.flatMap(inNs), ...deployments, ...pods].map((o) => o.metadata.name));
    const events = (
      await cluster.listOf<Obj & { involvedObject?: { name?: string } }>('v1', 'events', { namespace: ns })
    ).filter((e) => [...names].some((n) => (e.involvedObject?.name ?? '').startsWith(n)));
    if (events.length) bundle.files.set(`${dir}/events.yaml`, events.map(trim));
  });
}

async function collectOperator(cluster: Cluster, bundle: Bundle, operator: OperatorDeployment): Promise<void> {
  const ns = operator.metadata.namespace ?? '';
  const dir = `operator/${ns}/${operator.metadata.name}`;
  bundle.files.set(`${dir}/deployment.yaml`, trim(operator));
  await bundle.readSecrets(cluster, ns, secretNames(operator.spec), `${dir}/secrets.yaml`);
  const selector = Object.entries(operator.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  let pods: Obj[] = [];
  await bundle.attempt(`operator pods in ${ns}`, async () => {
    pods = await cluster.listOf<Obj>('v1', 'pods', { namespace: ns, labelSelector: selector.join(',') });
    bundle.files.set(`${dir}/pods.yaml`, pods.map(trim));
  });
  for (const pod of pods) await podLogs(cluster, bundle, pod, `${dir}/logs`);
  await bundle.attempt(`events of the operator in ${ns}`, async () => {
    const events = (
      await cluster.listOf<Obj & { involvedObject?: { name?: string } }>('v1', 'events', { namespace: ns })
    ).filter((e) => (e.involvedObject?.name ?? '').startsWith(operator.metadata.name));
    if (events.length) bundle.files.set(`${dir}/events.yaml`, events.map(trim));
  });
  await bundle.attempt(`leader Lease in ${ns}`, async () => {
    const lease = await cluster.getOf<Obj>('coordination.k8s.io/v1', 'leases', ns, operator.metadata.name);
    if (lease) bundle.files.set(`${dir}/lease.yaml`, trim(lease));
  });
}

async function collectVersions(cluster: Cluster, bundle: Bundle, operators: OperatorDeployment[]): Promise<void> {
  const versions: Record<string, unknown> = { 'kubectl-procos': VERSION };
  await bundle.attempt('the apiserver version', async () => {
    versions.kubernetes = (await cluster.client.request<{ gitVersion?: string }>('GET', '/version')).gitVersion;
  });
  versions.operators = operators.map((o) => ({
    deployment: `${o.metadata.namespace ?? ''}/${o.metadata.name}`,
    version: o.metadata.labels?.['app.kubernetes.io/version'],
    chart: o.metadata.labels?.['helm.sh/chart'],
    images: o.spec?.template?.spec?.containers?.map((c) => c.image),
    replicas: `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0} ready`,
  }));
  await bundle.attempt('the procos.io CRDs', async () => {
    const crds = await cluster.listOf<
      Obj & {
        spec?: { versions?: { name: string; served: boolean; storage: boolean }[] };
        status?: { storedVersions?: string[] };
      }
    >('apiextensions.k8s.io/v1', 'customresourcedefinitions', { namespace: null });
    versions.crds = crds
      .filter((c) => c.metadata.name.endsWith('.procos.io'))
      .map((c) => ({ name: c.metadata.name, versions: c.spec?.versions, storedVersions: c.status?.storedVersions }));
  });
  bundle.files.set('versions.yaml', versions);
}

function readme(bundle: Bundle, scope: string, redactions: number): string {
  return [
    `ProcOS support bundle, written by kubectl-procos ${VERSION} on ${new Date().toISOString()}`,
    `Scope: ${scope}, and the ProcOS operator.`,
    '',
    'Redacted before writing (cli/kubectl/redact.ts): the values of every Secret read (only their',
    'keys and sizes are here), wherever they appeared; values under credential-like keys and env',
    'vars; private keys, bearer/basic credentials, passwords in URLs, tokens in any text.',
    `Replacements made: ${redactions}. Review the bundle before you share it all the same.`,
    '',
    'Files:',
    ...[...bundle.files.keys()].sort().map((f) => `  ${f}`),
    '',
    bundle.problems.length ? 'Not collected:' : 'Everything was collected.',
    ...bundle.problems.map((p) => `  ${p}`),
    '',
  ].join('\n');
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'a redacted support bundle',
  help: `  kubectl procos report [-n NS | -A] [--to FILE.tar.gz|DIR]
                         A support bundle: the ProcOSProcesses, WorkerPools and SandboxPolicies,
                         the Deployments and ConfigMaps the operator owns for them, their pods
                         and logs, events, the operator's Deployment, pods, logs and Lease, and
                         versions. Secret values and anything credential-like are redacted.
                         Written as FILE.tar.gz (default procos-report-<time>.tar.gz) or, for any
                         other --to, as a folder (new or empty).`,
  async run(args) {
    const { values, positionals } = parseFlags(args, { ...CLUSTER_FLAGS, to: { type: 'string' } });
    if (positionals.length)
      throw new CommandError(`report takes no arguments, got ${positionals.join(' ')}`, EXIT.usage);
    const to = values.to ?? `procos-report-${new Date().toISOString().replace(/[:.]/g, '').slice(0, 15)}.tar.gz`;
    const archive = /\.(tar\.gz|tgz)$/.test(to);
    if (archive ? existsSync(to) : existsSync(to) && readdirSync(to).length)
      throw new CommandError(`${to} exists${archive ? '' : ' and is not empty'}: choose another --to`, EXIT.usage);
    const cluster = await Cluster.connect(values);
    const bundle = new Bundle();
    const ours = new Map<string, Obj[]>();
    for (const kind of KINDS) ours.set(kind, await cluster.list<Obj>(kind));
    const namespaces = cluster.namespace
      ? [cluster.namespace]
      : [...new Set([...ours.values()].flat().map((o) => o.metadata.namespace ?? ''))].sort();
    for (const ns of namespaces) await collectNamespace(cluster, bundle, ns, ours);
    let operators: OperatorDeployment[] = [];
    await bundle.attempt('the operator Deployment', async () => {
      operators = await findOperators(cluster);
      if (!operators.length)
        bundle.problems.push('no operator Deployment (label app.kubernetes.io/name=procos-operator) found');
    });
    for (const o of operators) await collectOperator(cluster, bundle, o);
    await collectVersions(cluster, bundle, operators);
    const scope = cluster.namespace
      ? `namespace ${cluster.namespace}`
      : `all namespaces with ProcOS objects (${namespaces.join(', ') || 'none'})`;
    const entries = bundle.entries((n) => readme(bundle, scope, n));
    if (archive) {
      writeFileSync(to, tarGz('procos-report', entries));
    } else {
      for (const e of entries) {
        mkdirSync(dirname(join(to, e.path)), { recursive: true });
        writeFileSync(join(to, e.path), e.content);
      }
    }
    out(
      `wrote ${to}: ${entries.length} files${bundle.problems.length ? `, ${bundle.problems.length} things not collected (see README.txt)` : ''}`,
    );
    return EXIT.ok;
  },
};
