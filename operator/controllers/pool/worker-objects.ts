// What a WorkerPool becomes (issue 11), as a pure function of the pool, its SandboxPolicy and
// the replica count the scaler chose: a ConfigMap with the pool file `procos-worker --pool`
// reads (the same manifest format a user runs locally), a Deployment of procos-worker whose pod
// template carries the policy's pod security and a checksum of that file (a handler change rolls
// the pods), a Secret with the engine credentials when the operator has some (issue 14), and a
// PodDisruptionBudget once there is more than one replica. The reconciler applies these with
// server-side apply; ownerReferences make deletion cascade.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { SandboxPolicySpec, WorkerPoolSpec } from '../../api/index.js';
import { POD_RUNNER_ENV, SCRIPT_OF_LABEL } from '../../../workers/sandbox/pod-runner.js';
import type { EngineCredentials } from '../../engine-client/engine-credentials.js';
import { SCRIPT_RUNNER_CLUSTER_ROLE } from '../../rbac.js';
import { workerNetworkPolicy } from './network-policy.js';
import { RESTARTED_AT } from './pool-annotations.js';
import { workerResources } from './worker-resources.js';

export const FIELD_MANAGER = 'procos-operator';
/** Where the pool file is mounted in the worker container. */
export const POOL_FILE_DIR = '/etc/procos/pool';
/** Where the pool's secretRefs are mounted (procos-worker --secrets-dir): {{secrets.KEY}} reads file KEY. */
export const SECRETS_DIR = '/etc/procos/secrets';
/** The worker's HTTP port (/metrics, /ready, /health). */
export const WORKER_HTTP_PORT = 9464;
/** The pod template annotation that changes with the engine credentials (their fingerprint): a rotation rolls the workers. */
export const ENGINE_CREDENTIALS_ANNOTATION = 'procos.io/engine-credentials';
/** procos-worker's drain on SIGTERM (its --drain-seconds); the pod's grace period leaves room for it. */
export const DRAIN_SECONDS = 25;

/** Adapters that run scripts in the sandbox; a pool with one needs a way to sandbox (isolation). */
const SCRIPT_ADAPTERS = new Set(['python', 'compute']);

export interface PoolRef {
  name: string;
  namespace: string;
  uid: string;
}

export interface WorkerObjectsInput {
  pool: { metadata: PoolRef; spec: WorkerPoolSpec };
  /** The policy the pool references (undefined when it references none). */
  policy?: { metadata: { name: string }; spec: SandboxPolicySpec };
  replicas: number;
  /** The pool's restart annotation (pool-annotations.ts): copied to the pod template, so a new value rolls the pods. */
  restartedAt?: string;
  defaults: {
    /** The operator's configured procos-worker image. */
    image: string;
    /** How worker pods reach the engine (grpc://host:port). */
    engineAddress: string;
    /**
     * The Localhost seccomp profile (relative to the kubelet's seccomp folder) that lets bubblewrap
     * build its sandbox in a pod; used by pools with script handlers under isolation Process.
     */
    scriptSeccompProfile?: string;
    /** Environment every worker gets (the operator's OTLP tracing settings); a pool's own env wins. */
    env?: { name: string; value: string }[];
    /**
     * The operator's engine credentials (engine-credentials.ts): copied into a Secret the pool
     * owns, which the workers' environment comes from (a pool's own env wins). Unset: none.
     */
    engineCredentials?: Pick<EngineCredentials, 'env' | 'fingerprint'>;
  };
}

/** How scripts are sandboxed in this pool: no script handlers, bubblewrap in the worker, or a Pod per script. */
export type ScriptIsolation = 'None' | 'Process' | 'Pod';

export interface WorkerObjects {
  configMap: KubeManifest;
  deployment: KubeManifest;
  networkPolicy: KubeManifest;
  /** Pools with script isolation Pod: the workers' ServiceAccount, its RoleBinding, the script pods' deny-all NetworkPolicy. */
  serviceAccount?: KubeManifest;
  roleBinding?: KubeManifest;
  scriptNetworkPolicy?: KubeManifest;
  /** With engine credentials: the Secret the workers' environment comes from. */
  engineSecret?: KubeManifest;
  /** Why the NetworkPolicy is less narrow than the policy's allowlist, when it is. */
  networkNote?: string;
  /** Only with more than one replica: with one, a PDB would block every node drain. */
  podDisruptionBudget?: KubeManifest;
  isolation: ScriptIsolation;
  /** Resource values the policy capped (for the pool's status and an Event). */
  cappedResources: string[];
  /** sha256 of the pool file: the pod template's annotation, so a change rolls the pods. */
  configChecksum: string;
}

export interface KubeManifest {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace: string };
  [field: string]: unknown;
}

/** A label value (≤ 63 characters): long pool names keep a prefix and get a hash suffix. */
export function labelValue(name: string): string {
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 54).replace(/[-._]+$/, '')}-${hash}`;
}

/** Names of the objects of pool POOL: the Deployment's name is also that of its NetworkPolicy and PDB. */
export function workerObjectNames(pool: string): { configMap: string; deployment: string; engineSecret: string } {
  return {
    configMap: `${pool}-worker-config`,
    deployment: `${pool}-worker`,
    engineSecret: `${pool}-worker-engine-auth`,
  };
}

/** The label selecting a pool's pods (status.selector, for the scale subresource and HPA). */
export function poolSelector(pool: string): Record<string, string> {
  return { 'procos.io/pool': labelValue(pool) };
}

export function workerObjects(input: WorkerObjectsInput): WorkerObjects {
  const { pool, policy } = input;
  const { name, namespace } = pool.metadata;
  const names = workerObjectNames(name);
  const selector = poolSelector(name);
  const labels = {
    ...selector,
    'app.kubernetes.io/name': 'procos-worker',
    'app.kubernetes.io/instance': labelValue(name),
    'app.kubernetes.io/managed-by': FIELD_MANAGER,
  };
  const owner = {
    apiVersion: 'procos.io/v1alpha1',
    kind: 'WorkerPool',
    name,
    uid: pool.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
  const metadata = (objectName: string) => ({ name: objectName, namespace, labels, ownerReferences: [owner] });

  const poolFile = poolFileYaml(input);
  const configChecksum = createHash('sha256').update(poolFile).digest('hex');
  const isolation: ScriptIsolation = pool.spec.handlers.some((h) => SCRIPT_ADAPTERS.has(h.adapter))
    ? (policy?.spec.script.isolation ?? 'Process')
    : 'None';
  const security = policy?.spec.podSecurity;
  const resources = workerResources(pool.spec.resources, policy?.spec.resources);
  const secretRefs = pool.spec.secretRefs ?? [];
  const credentials = input.defaults.engineCredentials;
  const network = workerNetworkPolicy({
    metadata: metadata(names.deployment),
    selector,
    egressAllowlist: policy?.spec.egressAllowlist,
    engineAddress: input.defaults.engineAddress,
    httpPort: WORKER_HTTP_PORT,
  });

  const deployment: KubeManifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(names.deployment),
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels,
          annotations: {
            'procos.io/config-sha256': configChecksum,
            ...(credentials ? { [ENGINE_CREDENTIALS_ANNOTATION]: credentials.fingerprint } : {}),
            ...(input.restartedAt ? { [RESTARTED_AT]: input.restartedAt } : {}),
          },
        },
        spec: {
          // Workers talk to the engine only; they need no Kubernetes API credentials — unless they
          // run scripts as pods (isolation Pod), with a ServiceAccount of the pool's own.
          ...(isolation === 'Pod'
            ? { serviceAccountName: names.deployment, automountServiceAccountToken: true }
            : { automountServiceAccountToken: false }),
          securityContext: {
            runAsNonRoot: security?.runAsNonRoot ?? true,
            seccompProfile: seccompProfile(isolation, security?.seccompProfile, input.defaults.scriptSeccompProfile),
          },
          ...(security?.runtimeClassName ? { runtimeClassName: security.runtimeClassName } : {}),
          terminationGracePeriodSeconds: DRAIN_SECONDS + 10,
          containers: [
            {
              name: 'worker',
              image: pool.spec.image ?? input.defaults.image,
              args: [
                '--pool',
                `${POOL_FILE_DIR}/pool.yaml`,
                '--http-host',
                '0.0.0.0',
                '--http-port',
                String(WORKER_HTTP_PORT),
                '--drain-seconds',
                String(DRAIN_SECONDS),
                ...(secretRefs.length ? ['--secrets-dir', SECRETS_DIR] : []),
              ],
              // The credentials by reference, never as values in the Deployment; env below wins over them.
              ...(credentials ? { envFrom: [{ secretRef: { name: names.engineSecret } }] } : {}),
              env: [
                { name: 'ZEEBE_GRPC_ADDRESS', value: input.defaults.engineAddress },
                ...(input.defaults.env ?? []).filter((d) => !pool.spec.env?.some((e) => e.name === d.name)),
                ...(isolation === 'Pod' ? scriptPodEnv(pool.spec.image ?? input.defaults.image, name, policy) : []),
                ...(pool.spec.env ?? []).map((e) =>
                  e.secretKeyRef
                    ? { name: e.name, valueFrom: { secretKeyRef: e.secretKeyRef } }
                    : { name: e.name, value: e.value },
                ),
              ],
              ports: [{ name: 'http', containerPort: WORKER_HTTP_PORT }],
              readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, failureThreshold: 6 },
              ...(resources.resources ? { resources: resources.resources } : {}),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: security?.readOnlyRootFilesystem ?? true,
                ...((security?.dropAllCapabilities ?? true) ? { capabilities: { drop: ['ALL'] } } : {}),
              },
              volumeMounts: [
                { name: 'pool', mountPath: POOL_FILE_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
                ...(secretRefs.length ? [{ name: 'secrets', mountPath: SECRETS_DIR, readOnly: true }] : []),
              ],
            },
          ],
          volumes: [
            { name: 'pool', configMap: { name: names.configMap } },
            { name: 'tmp', emptyDir: {} },
            // One folder for all the pool's Secrets: a key is a file; a rotated Secret is seen without a restart.
            ...(secretRefs.length
              ? [{ name: 'secrets', projected: { sources: secretRefs.map((r) => ({ secret: { name: r.name } })) } }]
              : []),
          ],
        },
      },
    },
  };

  return {
    configMap: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata(names.configMap),
      data: { 'pool.yaml': poolFile },
    },
    deployment,
    networkPolicy: network.networkPolicy,
    ...(credentials
      ? {
          engineSecret: {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: metadata(names.engineSecret),
            type: 'Opaque',
            // data, not stringData: server-side apply tracks data (stringData is write-only).
            data: Object.fromEntries(
              Object.entries(credentials.env).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
            ),
          },
        }
      : {}),
    ...(isolation === 'Pod' ? scriptPodObjects(metadata, names.deployment, name) : {}),
    ...(network.note ? { networkNote: network.note } : {}),
    ...(input.replicas > 1
      ? {
          podDisruptionBudget: {
            apiVersion: 'policy/v1',
            kind: 'PodDisruptionBudget',
            metadata: metadata(names.deployment),
            spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
          },
        }
      : {}),
    isolation,
    cappedResources: resources.capped,
    configChecksum,
  };
}

/** How a worker runs script pods (workers/sandbox/pod-runner.ts reads these). */
function scriptPodEnv(image: string, pool: string, policy: WorkerObjectsInput['policy']): Record<string, unknown>[] {
  const runtimeClass = policy?.spec.podSecurity.runtimeClassName;
  return [
    { name: POD_RUNNER_ENV.image, value: image },
    { name: POD_RUNNER_ENV.pool, value: labelValue(pool) },
    { name: POD_RUNNER_ENV.namespace, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ...(runtimeClass ? [{ name: POD_RUNNER_ENV.runtimeClassName, value: runtimeClass }] : []),
  ];
}

/** The workers' identity for making script pods, and the NetworkPolicy that leaves those pods no network. */
function scriptPodObjects(
  metadata: (name: string) => KubeManifest['metadata'],
  workerName: string,
  pool: string,
): Pick<WorkerObjects, 'serviceAccount' | 'roleBinding' | 'scriptNetworkPolicy'> {
  return {
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(workerName) },
    roleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: metadata(`${workerName}-scripts`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: SCRIPT_RUNNER_CLUSTER_ROLE },
      subjects: [{ kind: 'ServiceAccount', name: workerName, namespace: metadata(workerName).namespace }],
    },
    scriptNetworkPolicy: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata(`${workerName}-scripts`),
      // Both directions, no rule: nothing in, nothing out.
      spec: {
        podSelector: { matchLabels: { [SCRIPT_OF_LABEL]: labelValue(pool) } },
        policyTypes: ['Ingress', 'Egress'],
      },
    },
  };
}

/** Default name of the script sandbox's Localhost profile (workers/sandbox/seccomp/procos-bwrap.json). */
export const SCRIPT_SECCOMP_PROFILE = 'procos/bwrap.json';

/**
 * RuntimeDefault blocks the user namespace bubblewrap needs: a pool that sandboxes scripts in its
 * own pods gets the Localhost profile that allows exactly that (still Restricted PodSecurity).
 * Unconfined, when the policy asks for it, stays Unconfined.
 */
function seccompProfile(
  isolation: ScriptIsolation,
  fromPolicy: 'RuntimeDefault' | 'Unconfined' | undefined,
  localhostProfile = SCRIPT_SECCOMP_PROFILE,
): Record<string, string> {
  if (isolation === 'Process' && fromPolicy !== 'Unconfined') return { type: 'Localhost', localhostProfile };
  return { type: fromPolicy ?? 'RuntimeDefault' };
}

/**
 * The pool's spec as its workers need it: without the replica count and the scaler's settings,
 * which are the operator's business — else every scale (kubectl scale, an HPA) would change the
 * pool file's checksum and restart every worker.
 */
function workerSpec(spec: WorkerPoolSpec): Omit<WorkerPoolSpec, 'replicas' | 'scaling'> {
  const { replicas: _replicas, scaling: _scaling, ...rest } = spec;
  return rest;
}

/** The file procos-worker --pool reads: the WorkerPool, then the SandboxPolicy it names. */
function poolFileYaml({ pool, policy }: WorkerObjectsInput): string {
  const docs = [
    {
      apiVersion: 'procos.io/v1alpha1',
      kind: 'WorkerPool',
      metadata: { name: pool.metadata.name, namespace: pool.metadata.namespace },
      spec: workerSpec(pool.spec),
    },
    ...(policy
      ? [
          {
            apiVersion: 'procos.io/v1alpha1',
            kind: 'SandboxPolicy',
            metadata: { name: policy.metadata.name, namespace: pool.metadata.namespace },
            spec: policy.spec,
          },
        ]
      : []),
  ];
  return docs.map((d) => stringify(d, { sortMapEntries: true })).join('---\n');
}
