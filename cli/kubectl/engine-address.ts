// Engine addresses as the SDK, the chart and the operator write them, and whether one names a
// Service inside the cluster (then `kubectl procos` reaches it through a port-forward).
import { isIP } from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

export interface GrpcAddress extends HostPort {
  /** grpcs:// (TLS). */
  tls: boolean;
}

/** `grpc://host:port`, `grpcs://host:port`, `host:port` or `host` (Zeebe's 26500); undefined when it is none of these. */
export function parseGrpcAddress(address: string): GrpcAddress | undefined {
  const m = /^(?:(grpcs?|https?):\/\/)?(\[[0-9a-fA-F:.]+\]|[^/:\s]+)(?::(\d{1,5}))?\/?$/.exec(address.trim());
  if (!m?.[2]) return undefined;
  return {
    host: m[2].replace(/^\[|\]$/g, ''),
    port: m[3] ? Number(m[3]) : 26500,
    tls: m[1] === 'grpcs' || m[1] === 'https',
  };
}

/** `http://host:port[/path]`; undefined when it is not an http(s) URL. */
export function parseHttpUrl(url: string): (HostPort & { tls: boolean; path: string }) | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return {
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80,
      tls: u.protocol === 'https:',
      path: u.pathname.replace(/\/$/, ''),
    };
  } catch {
    return undefined;
  }
}

export interface ServiceName {
  name: string;
  namespace: string;
  /** `name.ns.svc…` is surely a Service; `name` and `name.ns` only if the cluster has one so named. */
  certain: boolean;
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The Service a host name means inside the cluster, as cluster DNS resolves it: `name.ns.svc`
 * and `name.ns.svc.<cluster domain>`, or (less surely) `name.ns` and `name` (in `namespace`,
 * the namespace of the pod that uses the address).
 */
export function serviceOf(host: string, namespace: string): ServiceName | undefined {
  if (isIP(host) || host === 'localhost') return undefined;
  const labels = host.replace(/\.$/, '').split('.');
  if (!labels.every((l) => LABEL.test(l))) return undefined;
  const [name, ns, svc] = labels;
  if (!name) return undefined;
  if (svc === 'svc' && ns) return { name, namespace: ns, certain: true };
  if (labels.length === 2 && ns) return { name, namespace: ns, certain: false };
  if (labels.length === 1) return { name, namespace, certain: false };
  return undefined;
}

export interface ContainerLike {
  name?: string;
  image?: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name?: string; key?: string } } }[];
  envFrom?: { secretRef?: { name?: string } }[];
}

/** What the operator Deployment (as charts/procos renders it) says about the engine it uses. */
export interface OperatorEngineSettings {
  /** ZEEBE_GRPC_ADDRESS of the operator container. */
  address?: string;
  /** procos-engine's monitoring port: --backlog-url when --backlog-source is procos-engine. */
  monitoringUrl?: string;
  /** CAMUNDA_AUTH_STRATEGY (NONE when unset: the chart always sets it). */
  authStrategy: string;
  /** Secrets the operator's environment comes from (engine credentials). */
  credentialSecrets: string[];
  /** Where the operator's bearer token is (CAMUNDA_OAUTH_TOKEN from a Secret: the chart's bundled engine). */
  tokenSecret?: { name: string; key: string };
}

/** Reads the engine settings off the operator's container (`operator`, else the first). */
export function operatorEngineSettings(podSpec: { containers?: ContainerLike[] } | undefined): OperatorEngineSettings {
  const containers = podSpec?.containers ?? [];
  const c = containers.find((x) => x.name === 'operator') ?? containers[0];
  const env = (name: string): string | undefined => c?.env?.find((e) => e.name === name)?.value;
  const args = [...(c?.command ?? []), ...(c?.args ?? [])];
  const flag = (name: string): string | undefined => {
    for (let i = 0; i < args.length; i++) {
      const a = args[i] ?? '';
      if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
      if (a === `--${name}`) return args[i + 1];
    }
    return undefined;
  };
  const source = flag('backlog-source');
  const tokenRef = c?.env?.find((e) => e.name === 'CAMUNDA_OAUTH_TOKEN')?.valueFrom?.secretKeyRef;
  return {
    address: env('ZEEBE_GRPC_ADDRESS') ?? env('ZEEBE_ADDRESS'),
    monitoringUrl: source === 'procos-engine' ? flag('backlog-url') : undefined,
    authStrategy: env('CAMUNDA_AUTH_STRATEGY') ?? 'NONE',
    credentialSecrets: (c?.envFrom ?? []).flatMap((e) => (e.secretRef?.name ? [e.secretRef.name] : [])),
    ...(tokenRef?.name && tokenRef.key ? { tokenSecret: { name: tokenRef.name, key: tokenRef.key } } : {}),
  };
}
