// `kubectl procos version`: the plugin's version, and — unless --client — what runs in the
// cluster: the Kubernetes version, the ProcOS operator(s) with chart and image, the CRD versions.
import { VERSION } from '../../lib/cli/version.js';
import type { KubeObject } from '../../operator/runtime/kube-client.js';
import { CommandError, EXIT, out, parseFlags, type Command } from '../commands/command.js';
import { OUTPUT_FLAG, outputFormat, printData } from '../commands/output.js';
import { Cluster, CLUSTER_FLAGS } from './cluster.js';
import { findOperators } from './operator-deployment.js';

interface ServerVersions {
  kubernetes?: string;
  operators: { deployment: string; version?: string; chart?: string; image?: string; ready: string }[];
  crds: { name: string; served: string[]; stored: string[] }[];
}

type Crd = KubeObject & {
  spec?: { versions?: { name: string; served: boolean }[] };
  status?: { storedVersions?: string[] };
};

async function serverVersions(cluster: Cluster): Promise<ServerVersions> {
  let kubernetes: { gitVersion?: string };
  try {
    kubernetes = await cluster.client.request<{ gitVersion?: string }>('GET', '/version');
  } catch (err) {
    throw await cluster.fail(err);
  }
  const operators = await findOperators(cluster).catch(() => []);
  const crds = await cluster
    .listOf<Crd>('apiextensions.k8s.io/v1', 'customresourcedefinitions', { namespace: null })
    .catch(() => [] as Crd[]);
  return {
    kubernetes: kubernetes.gitVersion,
    operators: operators.map((o) => ({
      deployment: `${o.metadata.namespace ?? ''}/${o.metadata.name}`,
      version: o.metadata.labels?.['app.kubernetes.io/version'],
      chart: o.metadata.labels?.['helm.sh/chart'],
      image: o.spec?.template?.spec?.containers?.find((c) => c.name === 'operator')?.image,
      ready: `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`,
    })),
    crds: crds
      .filter((c) => c.metadata.name.endsWith('.procos.io'))
      .map((c) => ({
        name: c.metadata.name,
        served: (c.spec?.versions ?? []).filter((v) => v.served).map((v) => v.name),
        stored: c.status?.storedVersions ?? [],
      })),
  };
}

export const versionCommand: Command = {
  name: 'version',
  summary: 'plugin, operator, CRD and Kubernetes versions',
  help: `  kubectl procos version [--client] [-o json|yaml]
                         The plugin's version; unless --client, also the cluster's Kubernetes
                         version, the ProcOS operator(s) (chart, image, ready replicas) and the
                         procos.io CRD versions. Exit 3 when the cluster does not answer.`,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      ...CLUSTER_FLAGS,
      ...OUTPUT_FLAG,
      client: { type: 'boolean', default: false },
    });
    if (positionals.length) throw new CommandError('version takes no arguments', EXIT.usage);
    const format = outputFormat(values.output);
    const client = { 'kubectl-procos': VERSION };
    if (values.client) {
      if (!printData(format, client)) out(`kubectl-procos ${VERSION}`);
      return EXIT.ok;
    }
    // The client's version first: it is true whatever the cluster says.
    if (format === 'text') out(`kubectl-procos ${VERSION}`);
    const server = await serverVersions(await Cluster.connect(values));
    if (printData(format, { ...client, ...server })) return EXIT.ok;
    out(`kubernetes ${server.kubernetes ?? 'unknown'}`);
    if (!server.operators.length) out('operator: none found (install the chart: helm install procos charts/procos)');
    for (const o of server.operators)
      out(
        `operator ${o.deployment} ${o.version ?? '?'} (chart ${o.chart ?? '?'}, image ${o.image ?? '?'}, ${o.ready} ready)`,
      );
    if (!server.crds.length) out('crds: none (no procos.io CRDs installed)');
    for (const c of server.crds) out(`crd ${c.name}: served ${c.served.join(', ')}; stored ${c.stored.join(', ')}`);
    return EXIT.ok;
  },
};
