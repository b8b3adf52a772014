import { describe, expect, it } from 'vitest';
import {
  decideReplicas,
  recommendedReplicas,
  type Recommendation,
  type ScaleInput,
  type ScalingSpec,
} from './backlog-scaler.js';

const scaling: ScalingSpec = {
  min: 1,
  max: 10,
  targetBacklogPerReplica: 5,
  scaleUpCooldownSeconds: 15,
  scaleDownCooldownSeconds: 300,
};
const s = (seconds: number): number => seconds * 1000;

describe('recommendedReplicas', () => {
  it.each([
    // [backlog, min, max, expected]
    [0, 1, 10, 1],
    [0, 0, 10, 0], // min 0: scale to zero
    [1, 0, 10, 1], // and back up as soon as one job waits
    [5, 1, 10, 1],
    [6, 1, 10, 2],
    [240, 1, 10, 10], // clamped to max
    [Number.MAX_SAFE_INTEGER, 1, 1000, 1000], // a huge backlog: no overflow, max respected
  ])('backlog %i with min %i, max %i → %i', (backlog, min, max, expected) => {
    expect(recommendedReplicas({ ...scaling, min, max }, backlog)).toBe(expected);
  });
});

describe('decideReplicas', () => {
  const base: ScaleInput = { scaling, current: 2, backlog: 10, now: s(1000), history: [] };

  it('spec.replicas wins and clears the history', () => {
    const d = decideReplicas({ ...base, fixedReplicas: 3, backlog: 500 });
    expect(d).toMatchObject({ replicas: 3, reason: 'Fixed', history: [] });
  });

  it('paused keeps the current count whatever the backlog, and keeps the window for after', () => {
    const history = [{ at: s(900), replicas: 4 }];
    const d = decideReplicas({ ...base, paused: true, backlog: 500, history });
    expect(d).toMatchObject({ replicas: 2, reason: 'Paused', history });
    expect(d.message).toBe('scaling is paused (annotation procos.io/scaling-paused): keeping 2 replica(s)');
  });

  it('spec.replicas wins over a pause too', () => {
    expect(decideReplicas({ ...base, paused: true, fixedReplicas: 3 })).toMatchObject({ replicas: 3, reason: 'Fixed' });
  });

  it('keeps the current size without a backlog reading', () => {
    expect(decideReplicas({ ...base, backlog: undefined })).toMatchObject({
      replicas: 2,
      reason: 'BacklogUnavailable',
    });
  });

  it('scales up at once, saying why, and remembers the recommendation', () => {
    const d = decideReplicas({ ...base, backlog: 240 });
    expect(d).toMatchObject({ replicas: 10, reason: 'ScaledUp', message: 'backlog 240, target 5 per replica: 2 → 10' });
    expect(d.history).toEqual([{ at: s(1000), replicas: 10 }]);
  });

  it('does not scale up twice within the cooldown, and says when to look again', () => {
    const d = decideReplicas({ ...base, backlog: 40, lastScaleUpAt: s(990) });
    expect(d).toMatchObject({ replicas: 2, reason: 'UpCooldown', recheckAfterMs: s(5) });
    expect(decideReplicas({ ...base, backlog: 40, lastScaleUpAt: s(985) })).toMatchObject({
      replicas: 8,
      reason: 'ScaledUp',
    });
  });

  it('holds a scale-down while a higher recommendation is within the window, then goes down', () => {
    const history: Recommendation[] = [{ at: s(800), replicas: 4 }];
    // 200 s ago the pool wanted 4: within the 300 s window, so it stays at 4.
    const hold = decideReplicas({ ...base, current: 4, backlog: 0, history });
    expect(hold).toMatchObject({ replicas: 4, reason: 'DownStabilizing', recheckAfterMs: s(100) });
    // Once that recommendation has aged out, down to what the backlog wants.
    const down = decideReplicas({ ...base, current: 4, backlog: 0, now: s(1100), history: hold.history });
    expect(down).toMatchObject({
      replicas: 1,
      reason: 'ScaledDown',
      message: 'backlog 0, target 5 per replica: 4 → 1',
    });
  });

  it('goes down only as far as the highest recommendation of the window', () => {
    const history: Recommendation[] = [
      { at: s(900), replicas: 3 },
      { at: s(950), replicas: 2 },
    ];
    const d = decideReplicas({ ...base, current: 6, backlog: 0, history });
    expect(d).toMatchObject({ replicas: 3, reason: 'ScaledDown', recheckAfterMs: s(200) });
  });

  it('does not flap: a backlog that dips and returns within the window keeps the size', () => {
    let history: Recommendation[] = [];
    let current = 1;
    const sizes: number[] = [];
    // Every 10 s for 10 minutes the backlog alternates between 50 and 0.
    for (let t = 0; t < 600; t += 10) {
      const d = decideReplicas({
        scaling,
        current,
        backlog: t % 20 === 0 ? 50 : 0,
        now: s(t),
        history,
        lastScaleUpAt: undefined,
      });
      history = d.history;
      current = d.replicas;
      sizes.push(current);
    }
    expect(new Set(sizes)).toEqual(new Set([10]));
  });

  it('scales to zero with min 0 once the window has passed, and back up when a job appears', () => {
    const zero = { ...scaling, min: 0 };
    const down = decideReplicas({
      scaling: zero,
      current: 1,
      backlog: 0,
      now: s(1000),
      history: [{ at: s(600), replicas: 1 }],
    });
    expect(down).toMatchObject({ replicas: 0, reason: 'ScaledDown' });
    const up = decideReplicas({ scaling: zero, current: 0, backlog: 1, now: s(1001), history: down.history });
    expect(up).toMatchObject({ replicas: 1, reason: 'ScaledUp' });
  });

  it('drops recommendations older than the window from the history it returns', () => {
    const d = decideReplicas({
      ...base,
      backlog: 10,
      history: [
        { at: s(100), replicas: 9 },
        { at: s(900), replicas: 2 },
      ],
    });
    expect(d.history).toEqual([
      { at: s(900), replicas: 2 },
      { at: s(1000), replicas: 2 },
    ]);
    expect(d.reason).toBe('Steady');
  });
});
