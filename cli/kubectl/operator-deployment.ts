// The operator Deployment charts/procos installs (label app.kubernetes.io/name=procos-operator):
// where `kubectl procos` learns the engine the cluster uses, and what `report` and `version` show.
import type { KubeObject } from '../../operator/runtime/kube-client.js';
import { CommandError, EXIT } from '../commands/command.js';
import type { Cluster } from './cluster.js';
import type { ContainerLike } from './engine-address.js';

export const OPERATOR_SELECTOR = 'app.kubernetes.io/name=procos-operator';

export type OperatorDeployment = KubeObject & {
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: { spec?: { containers?: ContainerLike[] } };
  };
  status?: { readyReplicas?: number; replicas?: number };
};

/** The operator Deployments: in `only`, else in every namespace (else, when that is forbidden, in procos-system). */
export async function findOperators(cluster: Cluster, only?: string): Promise<OperatorDeployment[]> {
  const list = (namespace: string | null): Promise<OperatorDeployment[]> =>
    cluster.listOf<OperatorDeployment>('apps/v1', 'deployments', { namespace, labelSelector: OPERATOR_SELECTOR });
  if (only) return list(only);
  try {
    return await list(null);
  } catch (err) {
    // Listing Deployments across namespaces may be forbidden; the chart's usual home may not be.
    if (err instanceof CommandError && err.exitCode === EXIT.failed) return list('procos-system');
    throw err;
  }
}
