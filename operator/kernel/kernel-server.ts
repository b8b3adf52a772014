// The kernel's own job workers, seen by a ProcOSProcess's WorkersAvailable condition like a
// WorkerPool that is always Ready in every namespace with processes (procos up does the same):
// otherwise every system process would say no Ready pool serves procos.system.check.
import { KERNEL_JOB_TYPES } from '../../lib/kernel/kernel-jobs.js';
import type { Lister } from '../controllers/process/process-observer.js';
import type { ServingPoolObject } from '../controllers/process/process-reconciler.js';

export function withKernelServer<T extends ServingPoolObject>(
  pools: Lister<T>,
  namespaces: () => Iterable<string>,
): Lister<ServingPoolObject> {
  const server = (namespace: string): ServingPoolObject => ({
    metadata: { name: 'procos-kernel', namespace, uid: `procos-kernel-${namespace}` },
    spec: { taskTypes: [...KERNEL_JOB_TYPES] },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Kernel',
          message: 'served by the operator itself',
          lastTransitionTime: new Date(0).toISOString(),
        },
      ],
    },
  });
  return {
    get: (key) => pools.get(key),
    list: () => [...pools.list(), ...[...new Set(namespaces())].map(server)],
  };
}
