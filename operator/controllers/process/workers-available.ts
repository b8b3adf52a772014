// ProcOSProcess's WorkersAvailable condition (pure): is every job type of the deployed BPMN
// served by a Ready WorkerPool in its namespace? A pool scaled to zero is Ready (Idle): it
// scales up when jobs of its types wait. Pools are the only workers the operator can see; job
// types served by workers outside the cluster show as unserved, which the message says.
import type { ConditionInput } from '../../runtime/conditions.js';
import { listItems } from './status-bounds.js';

export interface ServingPool {
  name: string;
  taskTypes: readonly string[];
  ready: boolean;
}

export function workersAvailable(
  taskTypes: readonly string[] | undefined,
  pools: readonly ServingPool[],
): ConditionInput {
  if (taskTypes === undefined)
    return {
      type: 'WorkersAvailable',
      status: 'Unknown',
      reason: 'NotDeployed',
      message: 'the job types are known once the BPMN is valid',
    };
  if (!taskTypes.length)
    return { type: 'WorkersAvailable', status: 'True', reason: 'NoJobTypes', message: 'the process has no job types' };
  const served = new Set(pools.filter((p) => p.ready).flatMap((p) => p.taskTypes));
  const unserved = taskTypes.filter((t) => !served.has(t));
  if (!unserved.length)
    return {
      type: 'WorkersAvailable',
      status: 'True',
      reason: 'AllJobTypesServed',
      message: `every job type is served by a Ready WorkerPool in this namespace`,
    };
  const notReady = pools.filter((p) => !p.ready && p.taskTypes.some((t) => unserved.includes(t))).map((p) => p.name);
  return {
    type: 'WorkersAvailable',
    status: 'False',
    reason: 'UnservedJobTypes',
    message:
      `no Ready WorkerPool in this namespace serves ${listItems([...unserved])}` +
      (notReady.length ? ` (not Ready: ${listItems(notReady)})` : '') +
      '; jobs of these types wait until a worker activates them',
  };
}
