// How the operator reaches the apiserver: server URL, TLS material and the Authorization header.
//
// Why not `new KubeConfig()` for everything: importing @kubernetes/client-node's index pulls in
// its whole generated API surface (~70 MB RSS, ~40 MB heap), more than the rest of the operator.
// The common cases — a kubeconfig with client certificates, a token or a token file, and the
// in-cluster service account — are read here with client-node's own kubeconfig parsers
// (config_types.js, which imports nothing heavy). Users that need an auth plugin (exec,
// oidc, azure, gcp) get the full client-node KubeConfig, loaded only then.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { isIPv6 } from 'node:net';
import {
  newClusters,
  newContexts,
  newUsers,
  type Cluster,
  type User,
} from '@kubernetes/client-node/dist/config_types.js';
import { parse } from 'yaml';

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConnection {
  server: string;
  /** TLS options for the https.Agent (identical for every request). */
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean; servername?: string };
  /** Headers per request: a token file is re-read (projected tokens rotate), plugins may refresh. */
  headers(): Promise<Record<string, string>>;
  /** Where the connection came from, for logs and errors. */
  source: string;
  /** The context's namespace (kubectl's default for namespaced commands), if it sets one. */
  namespace?: string;
}

export interface KubeConnectionOptions {
  /** A kubeconfig file; else $KUBECONFIG, ~/.kube/config, the in-cluster service account. */
  path?: string;
  /** A context of the kubeconfig instead of its current-context (kubectl --context). */
  context?: string;
}

/** `path` wins; then $KUBECONFIG, ~/.kube/config, the in-cluster service account (as kubectl). */
export async function loadKubeConnection(pathOrOptions?: string | KubeConnectionOptions): Promise<KubeConnection> {
  const o = typeof pathOrOptions === 'string' ? { path: pathOrOptions } : (pathOrOptions ?? {});
  const path = o.path;
  const candidates = path ? [path] : (process.env.KUBECONFIG ?? '').split(':').filter(Boolean);
  if (candidates.length > 1) return await viaClientNode(undefined, 'KUBECONFIG (merged)', o.context);
  const file = candidates[0] ?? join(homedir(), '.kube', 'config');
  if (existsSync(file)) return await fromKubeconfigFile(file, o.context);
  if (path) throw new Error(`kubeconfig ${path} does not exist`);
  if (existsSync(`${SERVICE_ACCOUNT}/token`)) return inCluster();
  throw new Error(
    `no kubeconfig: pass --kubeconfig, set KUBECONFIG, create ${file}, or run in a pod with a service account`,
  );
}

function inCluster(): KubeConnection {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new Error('in a pod without KUBERNETES_SERVICE_HOST: cannot find the apiserver');
  return {
    server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    tls: { ca: readFileSync(`${SERVICE_ACCOUNT}/ca.crt`) },
    headers: tokenFileHeaders(`${SERVICE_ACCOUNT}/token`),
    source: 'in-cluster service account',
  };
}

async function fromKubeconfigFile(file: string, wanted?: string): Promise<KubeConnection> {
  const doc = (parse(readFileSync(file, 'utf8')) ?? {}) as {
    clusters?: unknown;
    users?: unknown;
    contexts?: unknown;
    'current-context'?: string;
  };
  const contexts = newContexts(doc.contexts, { onInvalidEntry: 'filter' });
  const context = wanted
    ? contexts.find((c) => c.name === wanted)
    : (contexts.find((c) => c.name === doc['current-context']) ?? contexts[0]);
  if (!context)
    throw new Error(
      wanted
        ? `kubeconfig ${file} has no context ${wanted} (it has: ${contexts.map((c) => c.name).join(', ') || 'none'})`
        : `kubeconfig ${file}: no context (set current-context)`,
    );
  const cluster = newClusters(doc.clusters, { onInvalidEntry: 'filter' }).find((c) => c.name === context.cluster);
  if (!cluster)
    throw new Error(`kubeconfig ${file}: context ${context.name} names cluster ${context.cluster}, which is not there`);
  const user = newUsers(doc.users, { onInvalidEntry: 'filter' }).find((u) => u.name === context.user);

  const plugin = user?.exec !== undefined || (user?.authProvider !== undefined && !isTokenFileProvider(user));
  if (plugin || cluster.proxyUrl)
    return await viaClientNode(file, `kubeconfig ${file} (context ${context.name})`, context.name);

  // Relative file paths in a kubeconfig are relative to the kubeconfig itself.
  const rel = (p?: string): string | undefined => (p && !isAbsolute(p) ? join(dirname(file), p) : p);
  const bytes = (path?: string, data?: string): Buffer | undefined =>
    data ? Buffer.from(data, 'base64') : path ? readFileSync(rel(path) ?? path) : undefined;
  const tls: KubeConnection['tls'] = {
    ca: bytes(cluster.caFile, cluster.caData),
    cert: bytes(user?.certFile, user?.certData),
    key: bytes(user?.keyFile, user?.keyData),
  };
  if (cluster.skipTLSVerify) tls.rejectUnauthorized = false;
  if (cluster.tlsServerName) tls.servername = cluster.tlsServerName;
  return {
    server: cluster.server,
    tls,
    headers: staticHeaders(user, rel),
    source: `kubeconfig ${file} (context ${context.name})`,
    ...(context.namespace ? { namespace: context.namespace } : {}),
  };
}

function isTokenFileProvider(user: User): boolean {
  return (user.authProvider as { name?: string } | undefined)?.name === 'tokenFile';
}

function staticHeaders(user: User | undefined, rel: (p?: string) => string | undefined): KubeConnection['headers'] {
  const fixed: Record<string, string> = {};
  if (user?.impersonateUser) fixed['Impersonate-User'] = user.impersonateUser;
  if (user?.username)
    fixed.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
  if (user?.token) fixed.Authorization = `Bearer ${user.token}`;
  if (user && isTokenFileProvider(user)) {
    const tokenFile = rel((user.authProvider as { config?: { tokenFile?: string } }).config?.tokenFile);
    if (tokenFile) {
      const token = tokenFileHeaders(tokenFile);
      return async () => ({ ...fixed, ...(await token()) });
    }
  }
  return () => Promise.resolve(fixed);
}

/** Projected service-account tokens rotate: re-read the file at most once a minute. */
function tokenFileHeaders(path: string): KubeConnection['headers'] {
  let token = '';
  let readAt = 0;
  return () => {
    if (Date.now() - readAt > 60_000) {
      token = readFileSync(path, 'utf8').trim();
      readAt = Date.now();
    }
    return Promise.resolve({ Authorization: `Bearer ${token}` });
  };
}

/** The full client-node KubeConfig, for auth plugins and merged kubeconfigs. */
async function viaClientNode(file: string | undefined, source: string, context?: string): Promise<KubeConnection> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  if (context) kc.setCurrentContext(context);
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  const cluster: Cluster | null = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${source}: no current cluster`);
  const probe: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean; servername?: string } = {};
  await kc.applyToHTTPSOptions(probe);
  return {
    server: cluster.server,
    tls: {
      ca: probe.ca,
      cert: probe.cert,
      key: probe.key,
      rejectUnauthorized: probe.rejectUnauthorized,
      servername: probe.servername,
    },
    headers: async () => {
      const opts: { headers?: Record<string, string> } = { headers: {} };
      await kc.applyToHTTPSOptions(opts);
      return opts.headers ?? {};
    },
    source,
    ...(namespace ? { namespace } : {}),
  };
}
