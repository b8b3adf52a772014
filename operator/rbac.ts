// What the operator may do in the cluster, in one place: the e2e suite grants exactly this to
// the operator's ServiceAccount, and the Helm chart's ClusterRole is checked against it.
// Least privilege: Secrets are listed and watched as metadata only (a pool's secretRefs must
// exist), never read; worker pods are only watched (their state explains a pool's status).
// Secrets are written, though: each pool owns one with the engine credentials for its workers
// (a Secret of the operator's namespace cannot be mounted by pods of others).
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/**
 * The ClusterRole a pool's workers are bound to (by a RoleBinding in the pool's namespace) when
 * its SandboxPolicy runs scripts as pods (script.isolation Pod): Jobs and their input Secrets
 * made, watched and deleted by the worker. The Helm chart installs it; so does the e2e suite.
 */
export const SCRIPT_RUNNER_CLUSTER_ROLE = 'procos-script-runner';

export const SCRIPT_RUNNER_RULES: PolicyRule[] = [
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
];

const READ = ['get', 'list', 'watch'];
const OWN = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

export const OPERATOR_RULES: PolicyRule[] = [
  {
    apiGroups: ['procos.io'],
    resources: ['procosprocesses', 'workerpools', 'sandboxpolicies'],
    verbs: ['get', 'list', 'watch', 'update', 'patch'],
  },
  {
    apiGroups: ['procos.io'],
    resources: ['procosprocesses/status', 'procosprocesses/finalizers', 'workerpools/status', 'sandboxpolicies/status'],
    verbs: ['get', 'update', 'patch'],
  },
  // ConfigMaps: a process's BPMN (read) and a pool's worker config (owned).
  { apiGroups: [''], resources: ['configmaps'], verbs: OWN },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: OWN },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: OWN },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: OWN },
  // Pools with script isolation Pod: a ServiceAccount bound to the script-runner ClusterRole,
  // which the operator may bind (and nothing else) without holding its permissions itself.
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: OWN },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: OWN },
  {
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['clusterroles'],
    verbs: ['bind'],
    resourceNames: [SCRIPT_RUNNER_CLUSTER_ROLE],
  },
  { apiGroups: [''], resources: ['pods'], verbs: READ },
  // get: only the metadata of a Secret whose name the pool's engine Secret wants (a create that conflicts).
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

/** The Lease of leader election, in the operator's own namespace. */
export const LEASE_RULES: PolicyRule[] = [
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
  },
];
