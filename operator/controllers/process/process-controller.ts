// The ProcOSProcess controller's wiring: which events reconcile which process. The reconciling
// itself is process-reconciler.ts (observe → plan → apply → report).
import type { SandboxPolicySpec } from '../../api/index.js';
import { ControllerBuilder, type Controller, type ControllerOptions } from '../../runtime/controller.js';
import { objectKey, type Informer } from '../../runtime/informer.js';
import type { KubeObject } from '../../runtime/kube-client.js';
import { conditionOf } from '../../runtime/conditions.js';
import type { ProcessObject, ProcessReconciler, ServingPoolObject } from './process-reconciler.js';

/** Index of processes by the ConfigMap (namespace/name) holding their BPMN. */
export const BY_BPMN_CONFIGMAP = 'bpmnConfigMap';
/** Index of processes by the SandboxPolicy (namespace/name) they reference. */
export const BY_SANDBOX_POLICY = 'sandboxPolicy';
/** Index of processes by namespace: a WorkerPool serves the processes of its namespace. */
export const BY_NAMESPACE = 'namespace';

export function processController<P extends ServingPoolObject>(o: {
  processes: Informer<ProcessObject>;
  configMaps: Informer<KubeObject>;
  policies: Informer<KubeObject & { spec: SandboxPolicySpec }>;
  workerPools: Informer<P>;
  reconciler: ProcessReconciler;
  options: Omit<ControllerOptions, 'kind' | 'apiVersion'>;
}): Controller {
  const { processes } = o;
  const sameNamespace = (p: ProcessObject, name: string | undefined): string[] =>
    name ? [`${p.metadata.namespace ?? ''}/${name}`] : [];
  processes.addIndex(BY_BPMN_CONFIGMAP, (p) => sameNamespace(p, p.spec.bpmn.configMapRef?.name));
  processes.addIndex(BY_SANDBOX_POLICY, (p) => sameNamespace(p, p.spec.sandboxPolicyRef?.name));
  processes.addIndex(BY_NAMESPACE, (p) => [p.metadata.namespace ?? '']);
  const dependents = (index: string) => (obj: KubeObject) => processes.byIndex(index, objectKey(obj)).map(objectKey);
  // A pool's status changes with every backlog reading; only a change of what it serves (its
  // types, its readiness, its existence) concerns the processes of its namespace.
  const served = new Map<string, string>();
  const poolChanged = (pool: P, event: string): string[] => {
    const uid = pool.metadata.uid ?? objectKey(pool);
    const now =
      event === 'delete' || pool.metadata.deletionTimestamp
        ? ''
        : `${conditionOf(pool.status?.conditions, 'Ready')?.status ?? ''} ${pool.spec.taskTypes.join(' ')}`;
    if (served.get(uid) === now) return [];
    if (now) served.set(uid, now);
    else served.delete(uid);
    return processes.byIndex(BY_NAMESPACE, pool.metadata.namespace ?? '').map(objectKey);
  };
  return (
    new ControllerBuilder<ProcessObject>({ ...o.options, kind: 'ProcOSProcess', apiVersion: 'procos.io/v1alpha1' })
      .for(processes, (p) => o.reconciler.forget(p))
      // A ConfigMap or SandboxPolicy change re-reconciles the processes that use it.
      .watches(o.configMaps, dependents(BY_BPMN_CONFIGMAP))
      .watches(o.policies, dependents(BY_SANDBOX_POLICY))
      .watches(o.workerPools, poolChanged)
      // A safety net only: every change that matters arrives as an event.
      .resyncEvery(10 * 60_000)
      .complete((key) => o.reconciler.reconcile(key))
  );
}
