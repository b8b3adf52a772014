import { describe, expect, it } from 'vitest';
import { backlogRows } from './backlog.js';

describe('backlog rows', () => {
  it('lists every type with jobs or a pool, most waiting first, with the pools serving it', () => {
    const rows = backlogRows(
      {
        'hello.greet': { activatable: 3, activated: 1, oldestAgeMs: 12_400 },
        'hello.boom': { activatable: 9, activated: 0, oldestAgeMs: 61_000 },
      },
      [
        { name: 'hello', taskTypes: ['hello.greet', 'hello.reply'] },
        { name: 'backup', taskTypes: ['hello.greet'] },
      ],
    );
    expect(rows).toEqual([
      { jobType: 'hello.boom', waiting: 9, active: 0, oldestWaitingSeconds: 61, pools: [] },
      { jobType: 'hello.greet', waiting: 3, active: 1, oldestWaitingSeconds: 12, pools: ['hello', 'backup'] },
      { jobType: 'hello.reply', waiting: 0, active: 0, oldestWaitingSeconds: 0, pools: ['hello'] },
    ]);
  });
});
