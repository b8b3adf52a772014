// The WorkerPool controller's wiring: which events reconcile which pool. The reconciling itself
// is pool-reconciler.ts (observe → plan → apply → report).
import { ControllerBuilder, type Controller, type ControllerOptions } from '../../runtime/controller.js';
import { objectKey, type Informer } from '../../runtime/informer.js';
import type { KubeObject } from '../../runtime/kube-client.js';
import {
  PODS_BY_POOL,
  type DeploymentObject,
  type OwnedObject,
  type PodObject,
  type PolicyObject,
  type PoolObject,
} from './pool-observer.js';
import type { PoolReconciler } from './pool-reconciler.js';
import { labelValue } from './worker-objects.js';

/** Index of pools by the SandboxPolicy (namespace/name) they reference. */
export const POOLS_BY_POLICY = 'sandboxPolicy';
/** Index of pools by the Secrets (namespace/name) in their secretRefs. */
const POOLS_BY_SECRET = 'secret';
/** Index of pools by their pods' label value (namespace/value; long names are hashed). */
const POOLS_BY_POD_LABEL = 'podLabel';

export function poolController(o: {
  pools: Informer<PoolObject>;
  policies: Informer<PolicyObject>;
  configMaps: Informer<OwnedObject>;
  deployments: Informer<DeploymentObject>;
  networkPolicies: Informer<OwnedObject>;
  podDisruptionBudgets: Informer<OwnedObject>;
  serviceAccounts: Informer<OwnedObject>;
  roleBindings: Informer<OwnedObject>;
  secrets: Informer<OwnedObject>;
  pods: Informer<PodObject>;
  reconciler: PoolReconciler;
  options: Omit<ControllerOptions, 'kind' | 'apiVersion'>;
}): Controller {
  const { pools } = o;
  const ns = (obj: KubeObject): string => obj.metadata.namespace ?? '';
  pools.addIndex(POOLS_BY_POLICY, (p) => (p.spec.sandboxPolicyRef ? [`${ns(p)}/${p.spec.sandboxPolicyRef.name}`] : []));
  pools.addIndex(POOLS_BY_SECRET, (p) => (p.spec.secretRefs ?? []).map((r) => `${ns(p)}/${r.name}`));
  pools.addIndex(POOLS_BY_POD_LABEL, (p) => [`${ns(p)}/${labelValue(p.metadata.name)}`]);
  o.pods.addIndex(PODS_BY_POOL, (pod) => {
    const label = pod.metadata.labels?.['procos.io/pool'];
    return label ? [`${ns(pod)}/${label}`] : [];
  });
  const dependents = (index: string) => (obj: KubeObject) => pools.byIndex(index, objectKey(obj)).map(objectKey);
  return (
    new ControllerBuilder<PoolObject>({ ...o.options, kind: 'WorkerPool', apiVersion: 'procos.io/v1alpha1' })
      .for(pools, (p) => o.reconciler.forget(p))
      .owns(o.deployments)
      .owns(o.configMaps)
      .owns(o.networkPolicies)
      .owns(o.podDisruptionBudgets)
      .owns(o.serviceAccounts)
      .owns(o.roleBindings)
      .owns(o.secrets)
      .watches(o.policies, dependents(POOLS_BY_POLICY))
      .watches(o.secrets, dependents(POOLS_BY_SECRET))
      // Pods are owned by ReplicaSets, not by the pool: found through their pool label instead.
      .watches(o.pods, (pod) => {
        const label = pod.metadata.labels?.['procos.io/pool'];
        return label ? pools.byIndex(POOLS_BY_POD_LABEL, `${ns(pod)}/${label}`).map(objectKey) : [];
      })
      .resyncEvery(10 * 60_000)
      .complete((key) => o.reconciler.reconcile(key))
  );
}
