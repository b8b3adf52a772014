// The engine `kubectl procos` run / incidents / explain / backlog talk to: --engine-address and
// --monitoring-url, else the SDK's environment (ZEEBE_GRPC_ADDRESS), else the engine the
// cluster's operator uses (read off the operator Deployment charts/procos installs). An address
// naming a Service inside the cluster is reached through a port-forward to a ready pod behind
// it, through the apiserver, closed when the command ends.
import { Camunda8 } from '@camunda8/sdk';
import type { KubeObject } from '../../operator/runtime/kube-client.js';
import { sdkClient, type ZeebeGrpcClient } from '../../lib/zeebe/sdk-client.js';
import { CommandError, EXIT } from '../commands/command.js';
import { sdkAuthHeaders } from '../../operator/engine-client/sdk-auth.js';
import {
  readApi,
  type EngineConnection,
  type EngineHost,
  type Hints,
  type PoolRef,
} from '../commands/engine-connection.js';
import { Cluster, CLUSTER_FLAGS, type ClusterFlags } from './cluster.js';
import { operatorEngineSettings, parseGrpcAddress, parseHttpUrl, serviceOf, type HostPort } from './engine-address.js';
import { findOperators, OPERATOR_SELECTOR } from './operator-deployment.js';
import { PodPortForward } from './port-forward.js';

export const ENGINE_FLAGS = {
  'engine-address': { type: 'string' },
  'monitoring-url': { type: 'string' },
  'operator-namespace': { type: 'string' },
} as const;

/** The environment variable for the read API's URL, beside the SDK's ZEEBE_GRPC_ADDRESS. */
export const MONITORING_ENV = 'PROCOS_ENGINE_MONITORING_URL';

const CLUSTER_HINTS: Hints = {
  program: 'kubectl procos',
  redeploy: 'procos lint FILE.bpmn, then kubectl procos deploy FILE.bpmn',
  addProcess: 'deploy it with kubectl procos deploy FILE.bpmn',
};

interface EngineFlags extends ClusterFlags {
  'engine-address'?: string;
  'monitoring-url'?: string;
  'operator-namespace'?: string;
}

/** Where the engine is said to be, and by whom. */
interface EngineTarget {
  address?: string;
  monitoringUrl?: string;
  /** Who said so: a flag, the environment, or the operator Deployment. */
  source: string;
  /** The SDK's auth: NONE, or the strategy whose credentials come from the user's environment. */
  authStrategy: string;
  credentialSecrets: string[];
  /** The operator's bearer token's Secret (the chart's bundled engine), in `namespace`. */
  tokenSecret?: { name: string; key: string };
  /** The namespace a bare Service name is in (the operator's). */
  namespace: string;
}

async function findEngine(cluster: Cluster, f: EngineFlags): Promise<EngineTarget> {
  const envAuth = process.env.CAMUNDA_AUTH_STRATEGY ?? 'NONE';
  const monitoring = f['monitoring-url'] ?? process.env[MONITORING_ENV];
  if (f['engine-address'])
    return {
      address: f['engine-address'],
      monitoringUrl: monitoring,
      source: '--engine-address',
      authStrategy: envAuth,
      credentialSecrets: [],
      namespace: cluster.defaultNamespace,
    };
  if (process.env.ZEEBE_GRPC_ADDRESS)
    return {
      address: process.env.ZEEBE_GRPC_ADDRESS,
      monitoringUrl: monitoring,
      source: 'ZEEBE_GRPC_ADDRESS',
      authStrategy: envAuth,
      credentialSecrets: [],
      namespace: cluster.defaultNamespace,
    };
  const operators = await findOperators(cluster, f['operator-namespace']);
  const [operator, ...others] = operators;
  if (!operator)
    throw new CommandError(
      `cannot find the engine: no --engine-address, no ZEEBE_GRPC_ADDRESS in your environment, and no ProcOS operator ` +
        `Deployment (label ${OPERATOR_SELECTOR}) ${f['operator-namespace'] ? `in namespace ${f['operator-namespace']}` : 'in the cluster'} ` +
        'to take its engine from. Install the chart, or pass --engine-address HOST:PORT (and --monitoring-url ' +
        "http://HOST:9600 for procos-engine's read API).",
      EXIT.unreachable,
    );
  if (others.length)
    throw new CommandError(
      `several ProcOS operators: ${operators.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`).join(', ')}; ` +
        'choose one with --operator-namespace NS',
      EXIT.usage,
    );
  const settings = operatorEngineSettings(operator.spec?.template?.spec);
  return {
    address: settings.address,
    monitoringUrl: monitoring ?? settings.monitoringUrl,
    source: `the operator Deployment ${operator.metadata.namespace ?? ''}/${operator.metadata.name}`,
    authStrategy: settings.authStrategy,
    credentialSecrets: settings.credentialSecrets,
    tokenSecret: settings.tokenSecret,
    namespace: operator.metadata.namespace ?? cluster.defaultNamespace,
  };
}

interface Endpoint {
  pod: string;
  port: number;
}

type Service = KubeObject & {
  spec?: { selector?: Record<string, string>; ports?: { name?: string; port: number; targetPort?: number | string }[] };
};
type EndpointSlice = KubeObject & {
  ports?: { name?: string; port?: number }[];
  endpoints?: { conditions?: { ready?: boolean }; targetRef?: { kind?: string; name?: string } }[];
};
type Pod = KubeObject & {
  spec?: { containers?: { ports?: { name?: string; containerPort: number }[] }[] };
  status?: { conditions?: { type: string; status: string }[] };
};

/** A ready pod behind the Service's `port`, and the container port it maps to (as kube-proxy would). */
async function endpointOf(cluster: Cluster, service: Service, port: number): Promise<Endpoint | undefined> {
  const namespace = service.metadata.namespace;
  const ports = service.spec?.ports ?? [];
  const svcPort = ports.find((p) => p.port === port) ?? (ports.length === 1 ? ports[0] : undefined);
  if (!svcPort) return undefined;
  const slices = await cluster
    .listOf<EndpointSlice>('discovery.k8s.io/v1', 'endpointslices', {
      namespace,
      labelSelector: `kubernetes.io/service-name=${service.metadata.name}`,
    })
    .catch(() => [] as EndpointSlice[]);
  for (const slice of slices) {
    const p = slice.ports?.find((x) => (x.name ?? '') === (svcPort.name ?? ''));
    const e = slice.endpoints?.find((x) => x.conditions?.ready !== false && x.targetRef?.kind === 'Pod');
    if (p?.port && e?.targetRef?.name) return { pod: e.targetRef.name, port: p.port };
  }
  // No EndpointSlices (or not allowed to read them): the selector's pods, as kubectl port-forward svc/… does.
  const selector = Object.entries(service.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`);
  if (!selector.length) return undefined;
  const pods = await cluster.listOf<Pod>('v1', 'pods', { namespace, labelSelector: selector.join(',') });
  const pod = pods.find((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  if (!pod) return undefined;
  const target = svcPort.targetPort ?? svcPort.port;
  const containerPort =
    typeof target === 'number'
      ? target
      : pod.spec?.containers?.flatMap((c) => c.ports ?? []).find((x) => x.name === target)?.containerPort;
  return containerPort ? { pod: pod.metadata.name, port: containerPort } : undefined;
}

interface Reached extends HostPort {
  forward?: PodPortForward;
  how: string;
}

/** `host:port` as this machine reaches it: directly, or through a port-forward when it is a Service of the cluster. */
async function reach(cluster: Cluster, target: HostPort, namespace: string, what: string): Promise<Reached> {
  const svc = serviceOf(target.host, namespace);
  if (!svc) return { ...target, how: 'directly' };
  const service = await cluster.getOf<Service>('v1', 'services', svc.namespace, svc.name);
  if (!service) {
    if (!svc.certain) return { ...target, how: 'directly' };
    throw new CommandError(
      `${what} names Service ${svc.namespace}/${svc.name}, which does not exist in this cluster`,
      EXIT.unreachable,
    );
  }
  const endpoint = await endpointOf(cluster, service, target.port);
  if (!endpoint)
    throw new CommandError(
      `${what} names Service ${svc.namespace}/${svc.name}, which has no ready pod serving port ${target.port}`,
      EXIT.unreachable,
    );
  let forward: PodPortForward;
  try {
    forward = await PodPortForward.open(cluster.client.connection, svc.namespace, endpoint.pod, endpoint.port);
  } catch (err) {
    throw new CommandError(
      `${what} is Service ${svc.namespace}/${svc.name}: ${(err as Error).message}`,
      EXIT.unreachable,
    );
  }
  return {
    host: '127.0.0.1',
    port: forward.localPort,
    forward,
    how: `through a port-forward to pod ${svc.namespace}/${endpoint.pod}:${endpoint.port}`,
  };
}

export class ClusterEngine implements EngineConnection {
  readonly hints = CLUSTER_HINTS;
  private zbc?: ZeebeGrpcClient;
  private grpc?: Reached;
  private monitoring?: { base: string; reached: Reached };
  private token?: Promise<string | undefined>;

  private constructor(
    private readonly cluster: Cluster,
    private readonly target: EngineTarget,
  ) {}

  static async open(cluster: Cluster, f: EngineFlags): Promise<ClusterEngine> {
    return new ClusterEngine(cluster, await findEngine(cluster, f));
  }

  get description(): string {
    const t = this.target;
    const via = this.grpc ?? this.monitoring?.reached;
    return `${t.address ?? t.monitoringUrl ?? 'no address'} from ${t.source}${via ? `, ${via.how}` : ''}`;
  }

  async client(): Promise<ZeebeGrpcClient> {
    if (this.zbc) return this.zbc;
    const t = this.target;
    if (!t.address)
      throw new CommandError(
        `${t.source} names no engine address (ZEEBE_GRPC_ADDRESS): pass --engine-address HOST:PORT`,
        EXIT.unreachable,
      );
    const address = parseGrpcAddress(t.address);
    if (!address)
      throw new CommandError(`${t.source}: ${t.address} is not an engine address (grpc://HOST:PORT)`, EXIT.usage);
    if (address.tls && serviceOf(address.host, t.namespace)?.certain)
      throw new CommandError(
        `${t.address} (from ${t.source}) is TLS inside the cluster: its certificate names the Service, so it cannot be ` +
          'reached through a port-forward; pass --engine-address with an address this machine reaches',
        EXIT.unreachable,
      );
    this.grpc = await reach(this.cluster, address, t.namespace, `the engine address ${t.address} (from ${t.source})`);
    const hostPort = `${this.grpc.host}:${this.grpc.port}`;
    if (t.authStrategy === 'NONE' && !address.tls) this.zbc = sdkClient(hostPort);
    else {
      // Credentials are the user's: the SDK reads ZEEBE_CLIENT_ID, ZEEBE_CLIENT_SECRET, … from our environment.
      if (t.authStrategy === 'OAUTH' && !process.env.ZEEBE_CLIENT_ID)
        throw new CommandError(
          `the engine (${this.description}) wants ${t.authStrategy} credentials` +
            (t.credentialSecrets.length ? ` (the operator's are in Secret ${t.credentialSecrets.join(', ')})` : '') +
            ': set ZEEBE_CLIENT_ID, ZEEBE_CLIENT_SECRET and CAMUNDA_OAUTH_URL in your environment, as for any @camunda8/sdk client',
          EXIT.unreachable,
        );
      const token = await this.bearerToken();
      this.zbc = new Camunda8({
        ZEEBE_GRPC_ADDRESS: `${address.tls ? 'grpcs' : 'grpc'}://${hostPort}`,
        CAMUNDA_AUTH_STRATEGY: t.authStrategy,
        ...(token ? { CAMUNDA_OAUTH_TOKEN: token } : {}),
        zeebeGrpcSettings: { ZEEBE_GRPC_CLIENT_RETRY: false, ZEEBE_CLIENT_LOG_LEVEL: 'NONE' },
      } as never).getZeebeGrpcApiClient();
    }
    return this.zbc;
  }

  async read(path: string): Promise<{ status: number; body: unknown }> {
    const t = this.target;
    if (!this.monitoring) {
      if (!t.monitoringUrl)
        throw new CommandError(
          `this needs procos-engine's read API, and ${t.source} names none: pass --monitoring-url http://HOST:9600 ` +
            `(procos-engine's monitoring port; or set ${MONITORING_ENV}). Zeebe has no such API: use Operate.`,
          EXIT.unreachable,
        );
      const url = parseHttpUrl(t.monitoringUrl);
      if (!url) throw new CommandError(`${t.monitoringUrl} is not an http(s) URL`, EXIT.usage);
      const reached = await reach(
        this.cluster,
        url,
        t.namespace,
        `the monitoring URL ${t.monitoringUrl} (from ${t.source})`,
      );
      const host = reached.host.includes(':') ? `[${reached.host}]` : reached.host;
      this.monitoring = { base: `${url.tls ? 'https' : 'http'}://${host}:${reached.port}${url.path}`, reached };
    }
    const headers = await this.readHeaders();
    try {
      return await readApi(this.monitoring.base, path, headers);
    } catch (err) {
      const why = this.monitoring.reached.forward?.lastError;
      if (err instanceof CommandError && why)
        throw new CommandError(`${err.message} (${this.monitoring.reached.how}: ${why})`, err.exitCode);
      throw err;
    }
  }

  /** The read API takes the same credentials as the gRPC API (procos-engine --auth). */
  private async readHeaders(): Promise<Record<string, string>> {
    const t = this.target;
    if (t.authStrategy === 'NONE') return {};
    const token = await this.bearerToken();
    try {
      return await sdkAuthHeaders({
        CAMUNDA_AUTH_STRATEGY: t.authStrategy,
        ...(token ? { CAMUNDA_OAUTH_TOKEN: token } : {}),
      })();
    } catch (err) {
      throw new CommandError(
        `the engine (${this.description}) wants ${t.authStrategy} credentials: ${(err as Error).message}`,
        EXIT.unreachable,
      );
    }
  }

  /**
   * BEARER: the user's CAMUNDA_OAUTH_TOKEN, else the operator's own from its Secret (the chart's
   * bundled engine), when the user's kubeconfig may read it — as `kubectl get secret` would.
   */
  private bearerToken(): Promise<string | undefined> {
    this.token ??= (async () => {
      const t = this.target;
      if (t.authStrategy !== 'BEARER') return undefined;
      if (process.env.CAMUNDA_OAUTH_TOKEN) return process.env.CAMUNDA_OAUTH_TOKEN;
      const where = t.tokenSecret ? `key ${t.tokenSecret.key} of Secret ${t.namespace}/${t.tokenSecret.name}` : '';
      const unset = `the engine (${t.address ?? t.monitoringUrl ?? ''} from ${t.source}) wants a bearer token: set CAMUNDA_OAUTH_TOKEN`;
      if (!t.tokenSecret) throw new CommandError(unset, EXIT.unreachable);
      let secret: (KubeObject & { data?: Record<string, string> }) | undefined;
      try {
        secret = await this.cluster.getOf('v1', 'secrets', t.namespace, t.tokenSecret.name);
      } catch (err) {
        throw new CommandError(`${unset} (the operator's is ${where}: ${(err as Error).message})`, EXIT.unreachable);
      }
      const value = secret?.data?.[t.tokenSecret.key];
      if (!value) throw new CommandError(`${unset} (the operator's ${where} is missing)`, EXIT.unreachable);
      return Buffer.from(value, 'base64').toString('utf8').trim();
    })();
    return this.token;
  }

  async pools(): Promise<PoolRef[]> {
    const pools = await this.cluster.list<KubeObject & { spec?: { taskTypes?: string[] } }>('workerpools');
    return pools.map((p) => ({
      name: this.cluster.namespace ? p.metadata.name : `${p.metadata.namespace ?? ''}/${p.metadata.name}`,
      taskTypes: p.spec?.taskTypes ?? [],
    }));
  }

  async processId(name: string): Promise<string> {
    const p = await this.cluster.get<KubeObject & { status?: { bpmnProcessId?: string } }>('procosprocesses', name);
    return p?.status?.bpmnProcessId ?? name;
  }

  async close(): Promise<void> {
    await this.zbc?.close(1000);
    await this.grpc?.forward?.close();
    await this.monitoring?.reached.forward?.close();
  }
}

/** The engine commands of `kubectl procos`. */
export const clusterEngine: EngineHost = {
  hints: CLUSTER_HINTS,
  flags: { ...CLUSTER_FLAGS, ...ENGINE_FLAGS },
  flagsUsage: '[-n NS] [--engine-address ADDR] [--monitoring-url URL]',
  unreachable: 'the cluster or its engine cannot be reached',
  connect: async (flags) => {
    const f = flags as EngineFlags;
    return ClusterEngine.open(await Cluster.connect(f), f);
  },
};
