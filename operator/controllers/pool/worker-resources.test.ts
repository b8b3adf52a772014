import { describe, expect, it } from 'vitest';
import { workerResources } from './worker-resources.js';

describe('workerResources', () => {
  it.each([
    ['nothing anywhere: nothing', undefined, undefined, undefined, []],
    [
      'the policy fills in what the pool leaves out',
      { limits: { cpu: '1' } },
      { requests: { memory: '128Mi' }, limits: { memory: '1Gi', cpu: '2' } },
      { requests: { memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      [],
    ],
    [
      'a pool limit above the policy is capped and reported',
      { limits: { memory: '4Gi' } },
      { limits: { memory: '1Gi' } },
      { limits: { memory: '1Gi' } },
      ["limits.memory 4Gi capped to the policy's 1Gi"],
    ],
    [
      'units compare by value (1500m < 2)',
      { limits: { cpu: '1500m' } },
      { limits: { cpu: 2 } },
      { limits: { cpu: '1500m' } },
      [],
    ],
    [
      'a request above the capped limit follows it',
      { requests: { cpu: '3' }, limits: { cpu: '3' } },
      { limits: { cpu: '2' } },
      { requests: { cpu: '2' }, limits: { cpu: '2' } },
      ["limits.cpu 3 capped to the policy's 2", 'requests.cpu 3 capped to the limit 2'],
    ],
    ['no policy: the pool as given', { requests: { memory: '64Mi' } }, undefined, { requests: { memory: '64Mi' } }, []],
  ])('%s', (_what, pool, policy, resources, capped) => {
    expect(workerResources(pool, policy)).toEqual({ resources, capped });
  });
});
