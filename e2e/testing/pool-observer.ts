// What the WorkerPool e2e suite reads through kubectl, as a user would: a pool's status and
// conditions, the objects it owns (by its procos.io/pool label), its worker pods, the Events on it
// and a column of `kubectl get`.
import type { TestCluster } from '../cluster/test-cluster.js';

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectView {
  metadata: {
    name: string;
    uid: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    deletionTimestamp?: string;
  };
}

export interface PoolView extends ObjectView {
  spec: { replicas?: number; [field: string]: unknown };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    desiredReplicas?: number;
    backlog?: number;
    backlogByType?: { taskType: string; backlog: number }[];
    selector?: string;
    isolation?: string;
    lastScaleTime?: string;
    lastScaleUpTime?: string;
    observedGeneration?: number;
    conditions?: Condition[];
  };
}

export interface ContainerView {
  name: string;
  image: string;
  imagePullPolicy?: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: number | string } };
  livenessProbe?: { httpGet?: { path: string; port: number | string } };
  securityContext?: Record<string, unknown>;
}

export interface DeploymentView extends ObjectView {
  spec: {
    replicas: number;
    template: {
      metadata: { annotations?: Record<string, string>; labels?: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds?: number;
        securityContext?: Record<string, unknown>;
        containers: ContainerView[];
      };
    };
  };
  status?: { replicas?: number; readyReplicas?: number; updatedReplicas?: number };
}

export interface PodView {
  name: string;
  ip?: string;
  ready: boolean;
  terminating: boolean;
  image?: string;
}

export interface EventView {
  type: string;
  reason: string;
  message: string;
}

interface PodObject extends ObjectView {
  spec: { containers: { image: string }[] };
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
}

/** The condition of this type, if the object reports one. */
export const conditionOf = (
  o: { status?: { conditions?: Condition[] } } | undefined,
  type: string,
): Condition | undefined => o?.status?.conditions?.find((c) => c.type === type);

/** The port a probe's httpGet points at, a named port resolved through the container's ports. */
export function probePort(c: ContainerView, probe: 'readinessProbe' | 'livenessProbe'): number | undefined {
  const port = c[probe]?.httpGet?.port;
  return typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort;
}

export function poolObserver(cluster: TestCluster, namespace: string) {
  /** The object as JSON, or undefined when it does not exist. */
  const get = (kind: string, name: string): unknown => {
    const r = cluster.tryKubectl(['-n', namespace, 'get', kind, name, '-o', 'json']);
    if (r.code !== 0) {
      if (/NotFound|not found/.test(r.stderr)) return undefined;
      throw new Error(`kubectl get ${kind} ${name}: ${r.stderr}`);
    }
    return JSON.parse(r.stdout);
  };
  const list = <T>(kind: string, selector: string): T[] =>
    (JSON.parse(cluster.kubectl(['-n', namespace, 'get', kind, '-l', selector, '-o', 'json'])) as { items: T[] }).items;
  return {
    pool: (name: string) => get('workerpool', name) as PoolView | undefined,
    deployment: (pool: string) => get('deployment', `${pool}-worker`) as DeploymentView | undefined,
    /** The data of a ConfigMap, if it exists. */
    configMapData: (name: string) => (get('configmap', name) as { data?: Record<string, string> } | undefined)?.data,
    process: (name: string) => get('procosprocess', name) as { status?: { conditions?: Condition[] } } | undefined,
    /** Every object of these kinds that carries the pool's label, whoever made it. */
    owned: (pool: string) => {
      const selector = `procos.io/pool=${pool}`;
      const names = (kind: string) => list<ObjectView>(kind, selector);
      return {
        configMaps: names('configmaps'),
        deployments: names('deployments'),
        networkPolicies: names('networkpolicies'),
        podDisruptionBudgets: names('poddisruptionbudgets'),
      };
    },
    pods: (pool: string): PodView[] =>
      list<PodObject>('pods', `procos.io/pool=${pool}`).map((p) => ({
        name: p.metadata.name,
        ip: p.status?.podIP,
        ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
        terminating: p.metadata.deletionTimestamp !== undefined,
        image: p.spec.containers[0]?.image,
      })),
    events: (kind: string, name: string): EventView[] =>
      (
        JSON.parse(
          cluster.kubectl([
            '-n',
            namespace,
            'get',
            'events',
            '--field-selector',
            `involvedObject.kind=${kind},involvedObject.name=${name}`,
            '-o',
            'json',
          ]),
        ) as { items: EventView[] }
      ).items,
    /** One column of `kubectl get KIND NAME` (its printer columns), by its header. */
    column: (kind: string, name: string, header: string): string | undefined => {
      const [head = '', row = ''] = cluster.kubectl(['-n', namespace, 'get', kind, name]).split('\n');
      // The whole header: kubectl pads columns with at least two spaces, and READY is not READY REPLICAS.
      const start = new RegExp(`(^|\\s{2})${header}(\\s{2}|$)`).exec(head);
      if (!start) return undefined;
      const at = start.index + (start[1] ?? '').length;
      return row.slice(at).split(/\s+/)[0];
    },
  };
}

export type PoolObserver = ReturnType<typeof poolObserver>;
