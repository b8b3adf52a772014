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
  'all-namespaces'?: boolean;
}

/** What the plugin writes with server-side apply (`kubectl procos deploy`). */
export const PLUGIN_FIELD_MANAGER = 'kubectl-procos';

const PROCOS = 'procos.io/v1alpha1';

export interface ListOptions {
  /** A namespace; null for all; undefined: the command's scope (-n, or all with -A). */
  namespace?: string | null;
  labelSelector?: string;
  fieldSelector?: string;
}

export class Cluster {
  private constructor(
    readonly client: KubeClient,
    /** undefined: all namespaces (-A). */
    readonly namespace: string | undefined,
    /** -n, else the context's namespace, else default: where a command that needs one works. */
    readonly defaultNamespace: string,
  ) {}

  static async connect(f: ClusterFlags): Promise<Cluster> {
    let connection;
    try {
      connection = await loadKubeConnection({ path: f.kubeconfig, context: f.context });
    } catch (err) {
      throw new CommandError((err as Error).message, EXIT.unreachable);
    }
    const namespace = f.namespace ?? connection.namespace ?? 'default';
    return new Cluster(new KubeClient(connection), f['all-namespaces'] ? undefined : namespace, namespace);
  }

  /** The objects of a procos.io kind in the namespace (or all, with -A). */
  list<T extends KubeObject>(plural: string, o: ListOptions = {}): Promise<T[]> {
    return this.listOf<T>(PROCOS, plural, o);
  }

  /** A procos.io object of the default namespace (or `namespace`); undefined when there is none. */
  get<T extends KubeObject>(plural: string, name: string, namespace?: string): Promise<T | undefined> {
    return this.getOf<T>(PROCOS, plural, namespace ?? this.defaultNamespace, name);
  }

  /** Objects of any resource, e.g. ('apps/v1', 'deployments'). */
  async listOf<T extends KubeObject>(apiVersion: string, plural: string, o: ListOptions = {}): Promise<T[]> {
    const namespace = o.namespace === null ? undefined : (o.namespace ?? this.namespace);
    try {
      const list = await this.client.request<{ items: T[] }>('GET', resourcePath(apiVersion, plural, namespace), {
        query: { labelSelector: o.labelSelector, fieldSelector: o.fieldSelector },
      });
      return list.items;
    } catch (err) {
      throw await this.fail(err, apiVersion);
    }
  }

  async getOf<T extends KubeObject>(
    apiVersion: string,
    plural: string,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.client.request<T>('GET', resourcePath(apiVersion, plural, namespace, name));
    } catch (err) {
      if (err instanceof KubeError && err.status === 404 && (apiVersion !== PROCOS || (await this.crdsInstalled())))
        return undefined;
      throw await this.fail(err, apiVersion);
    }
  }

  /** Server-side apply of what the plugin owns in `object` (force: the user asked for exactly this). */
  async apply<T extends KubeObject>(apiVersion: string, plural: string, object: KubeObject): Promise<T> {
    const path = resourcePath(apiVersion, plural, object.metadata.namespace, object.metadata.name);
    try {
      return await this.client.request<T>('PATCH', path, {
        body: object,
        contentType: 'application/apply-patch+yaml',
        query: { fieldManager: PLUGIN_FIELD_MANAGER, force: true },
      });
    } catch (err) {
      throw await this.fail(err, apiVersion);
    }
  }

  /** A GET whose answer is text (a pod's log). */
  async text(path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<string> {
    try {
      return await this.client.requestText('GET', path, { query });
    } catch (err) {
      throw await this.fail(err);
    }
  }

  private async crdsInstalled(): Promise<boolean> {
    try {
      await this.client.request('GET', `/apis/${PROCOS}`);
      return true;
    } catch {
      return false;
    }
  }

  /** A failed request as the user should see it, with its exit code. */
  async fail(err: unknown, apiVersion?: string): Promise<CommandError> {
    if (err instanceof CommandError) return err;
    if (err instanceof KubeError && err.status === 404 && apiVersion === PROCOS && !(await this.crdsInstalled()))
      return new CommandError(
        'ProcOS is not installed in this cluster (no procos.io CRDs): install it with `helm install procos charts/procos -n procos-system --create-namespace` (see the README)',
        EXIT.unreachable,
      );
    if (err instanceof KubeError && (err.status === 401 || err.status === 403))
      return new CommandError(
        `the cluster refused: ${err.message} (check your kubeconfig user and its RBAC)`,
        EXIT.failed,
      );
    if (err instanceof KubeError) return new CommandError(`the apiserver answered ${err.message}`, EXIT.failed);
    return new CommandError(
      `cannot reach the apiserver at ${this.client.server}: ${(err as Error).message}`,
      EXIT.unreachable,
    );
  }
}
