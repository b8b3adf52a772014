import { describe, expect, it } from 'vitest';
import { podProblem, slimPod, type PodObject } from './pool-observer.js';

const pod = (status: PodObject['status'], deleting = false): PodObject => ({
  metadata: { name: 'p-worker-1', ...(deleting ? { deletionTimestamp: '2026-11-26T12:00:00Z' } : {}) },
  status,
});
const waiting = (reason: string, message?: string): PodObject['status'] => ({
  containerStatuses: [{ name: 'worker', image: 'nope:1', state: { waiting: { reason, message } } }],
});

describe('podProblem (what a worker pod shows when it cannot run)', () => {
  it.each([
    ['ErrImagePull', 'ImagePullFailed'],
    ['ImagePullBackOff', 'ImagePullFailed'],
    ['CrashLoopBackOff', 'CrashLoopBackOff'],
    ['CreateContainerConfigError', 'ContainerConfigError'],
  ])('%s → %s (also from the slimmed pod the informer keeps)', (reason, expected) => {
    const p = pod(waiting(reason, 'x'));
    expect(podProblem(p)?.reason).toBe(expected);
    expect(podProblem(slimPod(p))).toEqual(podProblem(p));
  });

  it('an unschedulable pod, with the scheduler’s words', () => {
    const p = pod({
      conditions: [
        { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes: Insufficient cpu' },
      ],
    });
    expect(podProblem(p)).toEqual({
      pod: 'p-worker-1',
      reason: 'Unschedulable',
      message: '0/1 nodes: Insufficient cpu',
    });
  });

  it('a starting or terminating pod is no problem', () => {
    expect(podProblem(pod(waiting('ContainerCreating')))).toBeUndefined();
    expect(podProblem(pod(waiting('ErrImagePull'), true))).toBeUndefined();
  });
});
