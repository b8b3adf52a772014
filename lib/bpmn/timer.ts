// ISO 8601 timers as Zeebe accepts them: durations (PT5M, P1DT2H, P2W), dates, and cycles (R3/PT10S).

const DURATION =
  /^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds of an ISO 8601 duration (months as 30 days, years as 365), or undefined. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === 'P' || text.trim().endsWith('T')) return undefined;
  const n = (i: number): number => Number(m[i] ?? 0);
  const ms = (((n(2) * 365 + n(3) * 30 + n(4) * 7 + n(5)) * 24 + n(6)) * 60 + n(7)) * 60_000 + n(8) * 1000;
  return m[1] ? -ms : ms;
}

/** Epoch ms of an ISO 8601 date-time, or undefined. */
export function parseDate(text: string): number | undefined {
  const t = Date.parse(text.trim());
  return Number.isNaN(t) ? undefined : t;
}

export interface Cycle {
  /** Repetitions; -1 means unbounded (R/PT1M). */
  repetitions: number;
  intervalMs: number;
  startMs?: number;
}

export function parseCycle(text: string): Cycle | undefined {
  const parts = text.trim().split('/');
  const r = /^R(\d*)$/.exec(parts[0] ?? '');
  if (!r || parts.length < 2 || parts.length > 3) return undefined;
  const repetitions = r[1] === '' || r[1] === undefined ? -1 : Number(r[1]);
  const intervalMs = parseDuration(parts[parts.length - 1] ?? '');
  if (intervalMs === undefined || intervalMs <= 0) return undefined;
  if (parts.length === 3) {
    const startMs = parseDate(parts[1] ?? '');
    return startMs === undefined ? undefined : { repetitions, intervalMs, startMs };
  }
  return { repetitions, intervalMs };
}

/** Checks a static timer value of the given type; returns an error message or undefined. */
export function timerValueError(type: 'duration' | 'date' | 'cycle', value: string): string | undefined {
  const ok =
    type === 'duration'
      ? parseDuration(value) !== undefined
      : type === 'date'
        ? parseDate(value) !== undefined
        : parseCycle(value) !== undefined;
  return ok ? undefined : `'${value}' is not a valid ISO 8601 time ${type === 'date' ? 'date' : type}`;
}
