// The ProcOSProcess controller's wiring: which events reconcile which process. The reconciling
// itself is process-reconciler.ts (observe → plan → apply → report).
import type { SandboxPolicySpec } from '../../api/index.js';
import { ControllerBuilder, type Controller, type ControllerOptions } from '../../runtime/controller.js';
import { objectKey, type Informer } from '../../runtime/informer.js';
import type { KubeObject } from '../../runtime/kube-client.js';
import type { ProcessObject, ProcessReconciler } from './process-reconciler.js';

/** Index of processes by the ConfigMap (namespace/name) holding their BPMN. */
export const BY_BPMN_CONFIGMAP = 'bpmnConfigMap';
/** Index of processes by the SandboxPolicy (namespace/name) they reference. */
export const BY_SANDBOX_POLICY = 'sandboxPolicy';

export function processController(o: {
  processes: Informer<ProcessObject>;
  configMaps: Informer<KubeObject>;
  policies: Informer<KubeObject & { spec: SandboxPolicySpec }>;
  reconciler: ProcessReconciler;
  options: Omit<ControllerOptions, 'kind' | 'apiVersion'>;
}): Controller {
  const { processes } = o;
  const sameNamespace = (p: ProcessObject, name: string | undefined): string[] =>
    name ? [`${p.metadata.namespace ?? ''}/${name}`] : [];
  processes.addIndex(BY_BPMN_CONFIGMAP, (p) => sameNamespace(p, p.spec.bpmn.configMapRef?.name));
  processes.addIndex(BY_SANDBOX_POLICY, (p) => sameNamespace(p, p.spec.sandboxPolicyRef?.name));
  const dependents = (index: string) => (obj: KubeObject) => processes.byIndex(index, objectKey(obj)).map(objectKey);
  return (
    new ControllerBuilder<ProcessObject>({ ...o.options, kind: 'ProcOSProcess', apiVersion: 'procos.io/v1alpha1' })
      .for(processes, (p) => o.reconciler.forget(p))
      // A ConfigMap or SandboxPolicy change re-reconciles the processes that use it.
      .watches(o.configMaps, dependents(BY_BPMN_CONFIGMAP))
      .watches(o.policies, dependents(BY_SANDBOX_POLICY))
      // A safety net only: every change that matters arrives as an event.
      .resyncEvery(10 * 60_000)
      .complete((key) => o.reconciler.reconcile(key))
  );
}
