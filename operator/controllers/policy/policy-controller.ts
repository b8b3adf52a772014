// The SandboxPolicy controller: observe (the pools and processes that reference the policy, from
// their informers' indexes) → plan (policy-status.ts, pure) → report (one status write when it
// changed). No finalizer: deleting a policy in use tears nothing down — its pools report
// PolicyNotFound and keep their running Deployment, its processes report SandboxPolicyNotFound
// and stay deployed — and a finalizer would only block namespace deletion and GitOps pruning.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { SandboxPolicy } from '../../api/index.js';
import { mergeConditions } from '../../runtime/conditions.js';
import { ControllerBuilder, type Controller, type ControllerOptions } from '../../runtime/controller.js';
import { objectKey, type Informer } from '../../runtime/informer.js';
import { resourcePath, type KubeClient, type KubeObject } from '../../runtime/kube-client.js';
import { policyStatus } from './policy-status.js';

const API = 'procos.io/v1alpha1';

export type PolicyObject = KubeObject & Pick<SandboxPolicy, 'spec' | 'status'>;
type Referrer = KubeObject & { spec: { sandboxPolicyRef?: { name: string } } };

/** Index of pools and processes by the policy (namespace/name) they reference. */
const BY_POLICY = 'policyRef';

const policyKey = (obj: Referrer): string | undefined =>
  obj.spec.sandboxPolicyRef ? `${obj.metadata.namespace ?? ''}/${obj.spec.sandboxPolicyRef.name}` : undefined;

/**
 * Maps a referrer's event to the policies to look at again: the one it names now and, after an
 * edit of its sandboxPolicyRef, the one it named before (which lost a dependent).
 */
function referencedPolicies(): (obj: Referrer, event: string) => string[] {
  const before = new Map<string, string | undefined>();
  return (obj, event) => {
    const uid = obj.metadata.uid ?? objectKey(obj);
    const now = event === 'delete' ? undefined : policyKey(obj);
    const old = before.get(uid);
    if (now === undefined) before.delete(uid);
    else before.set(uid, now);
    return [...new Set([old, now].filter((k): k is string => k !== undefined))];
  };
}

export function policyController<P extends Referrer, R extends Referrer>(o: {
  policies: Informer<PolicyObject>;
  workerPools: Informer<P>;
  processes: Informer<R>;
  client: Pick<KubeClient, 'apply'>;
  log: Logger;
  options: Omit<ControllerOptions, 'kind' | 'apiVersion'>;
}): Controller {
  const byPolicy = (r: Referrer): string[] => {
    const key = policyKey(r);
    return key ? [key] : [];
  };
  o.workerPools.addIndex(BY_POLICY, byPolicy);
  o.processes.addIndex(BY_POLICY, byPolicy);
  const names = (referrers: Referrer[]) => referrers.map((r) => r.metadata.name);

  const reconcile = async (key: string): Promise<undefined> => {
    const policy = o.policies.get(key);
    if (!policy || policy.metadata.deletionTimestamp) return undefined;
    const { fields, ready } = policyStatus(policy.spec, {
      workerPools: names(o.workerPools.byIndex(BY_POLICY, key)),
      processes: names(o.processes.byIndex(BY_POLICY, key)),
    });
    const generation = policy.metadata.generation ?? 0;
    const conditions = mergeConditions(policy.status?.conditions, [ready], generation, new Date());
    const next = JSON.parse(JSON.stringify({ observedGeneration: generation, conditions, ...fields })) as unknown;
    if (isDeepStrictEqual(next, policy.status)) return undefined;
    await o.client.apply(
      resourcePath(API, 'sandboxpolicies', policy.metadata.namespace, policy.metadata.name),
      {
        apiVersion: API,
        kind: 'SandboxPolicy',
        metadata: { name: policy.metadata.name, namespace: policy.metadata.namespace },
        status: next,
      },
      'status',
    );
    o.log.debug({ kind: 'SandboxPolicy', key, ...fields }, 'status written');
    return undefined;
  };

  return new ControllerBuilder<PolicyObject>({ ...o.options, kind: 'SandboxPolicy', apiVersion: API })
    .for(o.policies)
    .watches(o.workerPools, referencedPolicies())
    .watches(o.processes, referencedPolicies())
    .resyncEvery(10 * 60_000)
    .complete(reconcile);
}
