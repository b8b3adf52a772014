// How `kubectl procos` reaches the cluster: kubectl's own flags (--kubeconfig, --context, -n,
// -A) over the operator's small Kubernetes client. A cluster without the procos.io CRDs, or one
// that does not answer, is exit 3 with what to do about it.
import { loadKubeConnection } from '../../operator/runtime/kube-config.js';
import { KubeClient, KubeError, resourcePath, type KubeObject } from '../../operator/runtime/kube-client.js';
import { CommandError, EXIT } from '../commands/command.js';

export const CLUSTER_FLAGS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  'all-namespaces': { type: 'boolean', short: 'A', default: false },
} as const;

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  'all-namespaces': boolean;
}

export class Cluster {
  private constructor(
    readonly client: KubeClient,
    /** undefined: all namespaces (-A). */
    readonly namespace: string | undefined,
  ) {}

  static async connect(f: ClusterFlags): Promise<Cluster> {
    let connection;
    try {
      connection = await loadKubeConnection({ path: f.kubeconfig, context: f.context });
    } catch (err) {
      throw new CommandError((err as Error).message, EXIT.unreachable);
    }
    const namespace = f['all-namespaces'] ? undefined : (f.namespace ?? connection.namespace ?? 'default');
    return new Cluster(new KubeClient(connection), namespace);
  }

  /** The objects of a procos.io kind in the namespace (or all, with -A). */
  async list<T extends KubeObject>(plural: string): Promise<T[]> {
    try {
      const list = await this.client.request<{ items: T[] }>(
        'GET',
        resourcePath('procos.io/v1alpha1', plural, this.namespace),
      );
      return list.items;
    } catch (err) {
      throw this.explain(err);
    }
  }

  async get<T extends KubeObject>(plural: string, name: string): Promise<T | undefined> {
    try {
      return await this.client.request<T>(
        'GET',
        resourcePath('procos.io/v1alpha1', plural, this.namespace ?? 'default', name),
      );
    } catch (err) {
      if (err instanceof KubeError && err.status === 404 && (await this.crdsInstalled())) return undefined;
      throw this.explain(err);
    }
  }

  private async crdsInstalled(): Promise<boolean> {
    try {
      await this.client.request('GET', '/apis/procos.io/v1alpha1');
      return true;
    } catch {
      return false;
    }
  }

  private explain(err: unknown): CommandError {
    if (err instanceof KubeError && err.status === 404)
      return new CommandError(
        'ProcOS is not installed in this cluster (no procos.io CRDs): install it with `helm install procos charts/procos -n procos-system --create-namespace` (see the README)',
        EXIT.unreachable,
      );
    if (err instanceof KubeError && (err.status === 401 || err.status === 403))
      return new CommandError(
        `the cluster refused: ${err.message} (check your kubeconfig user and its RBAC)`,
        EXIT.failed,
      );
    if (err instanceof KubeError)
      return new CommandError(`the apiserver answered ${err.status}: ${err.message}`, EXIT.failed);
    return new CommandError(
      `cannot reach the apiserver at ${this.client.server}: ${(err as Error).message}`,
      EXIT.unreachable,
    );
  }
}
