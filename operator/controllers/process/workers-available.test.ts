import { describe, expect, it } from 'vitest';
import { workersAvailable } from './workers-available.js';

const pool = (name: string, taskTypes: string[], ready = true) => ({ name, taskTypes, ready });

describe('WorkersAvailable', () => {
  it('True when every job type is served by a Ready pool (scaled to zero counts: it is Ready)', () => {
    expect(workersAvailable(['a', 'b'], [pool('p1', ['a']), pool('p2', ['b', 'c'])])).toMatchObject({
      status: 'True',
      reason: 'AllJobTypesServed',
    });
  });

  it('False with UnservedJobTypes naming the types, and the pools that would serve them but are not Ready', () => {
    const c = workersAvailable(['a', 'b', 'c'], [pool('p1', ['a']), pool('p2', ['b'], false)]);
    expect(c).toMatchObject({ status: 'False', reason: 'UnservedJobTypes' });
    expect(c.message).toBe(
      "no Ready WorkerPool in this namespace serves 'b', 'c' (not Ready: 'p2'); jobs of these types wait until a worker activates them",
    );
  });

  it('True for a process without job types; Unknown while the job types are not known', () => {
    expect(workersAvailable([], [])).toMatchObject({ status: 'True', reason: 'NoJobTypes' });
    expect(workersAvailable(undefined, [pool('p', ['a'])])).toMatchObject({ status: 'Unknown', reason: 'NotDeployed' });
  });
});
