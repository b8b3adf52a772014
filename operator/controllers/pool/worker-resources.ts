// A worker container's resources under its SandboxPolicy (issue 11): the policy's `resources` are
// the defaults and its limits the maxima. A pool value is taken as given unless it exceeds the
// policy's limit, then it is capped and the cap reported (status, Event) — never silently.
import { quantityValue } from '../../../lib/kube/quantity.js';
import type { WorkerPoolSpec } from '../../api/index.js';

type Resources = NonNullable<WorkerPoolSpec['resources']>;
type Quantity = string | number;
const NAMES = ['cpu', 'memory'] as const;

export interface CappedResources {
  resources?: Resources;
  /** One line per capped value, e.g. "limits.memory 4Gi capped to the policy's 1Gi". */
  capped: string[];
}

export function workerResources(pool: Resources | undefined, policy: Resources | undefined): CappedResources {
  const capped: string[] = [];
  const limits: Record<string, Quantity> = {};
  const requests: Record<string, Quantity> = {};
  for (const r of NAMES) {
    const max = policy?.limits?.[r];
    let limit = pool?.limits?.[r] ?? max;
    if (limit !== undefined && max !== undefined && quantityValue(limit) > quantityValue(max)) {
      capped.push(`limits.${r} ${String(limit)} capped to the policy's ${String(max)}`);
      limit = max;
    }
    if (limit !== undefined) limits[r] = limit;
    let request = pool?.requests?.[r] ?? policy?.requests?.[r];
    // A request above the (possibly capped) limit is refused by the apiserver: cap it too.
    if (request !== undefined && limit !== undefined && quantityValue(request) > quantityValue(limit)) {
      capped.push(`requests.${r} ${String(request)} capped to the limit ${String(limit)}`);
      request = limit;
    }
    if (request !== undefined) requests[r] = request;
  }
  const resources: Resources = {
    ...(Object.keys(requests).length ? { requests } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
  };
  return { resources: Object.keys(resources).length ? resources : undefined, capped };
}
