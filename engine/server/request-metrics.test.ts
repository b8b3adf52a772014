// procos_engine_request_duration_seconds as the engine's /metrics serves it: one observation per
// unary call, labelled with the method and the gRPC status the client got; job streams not in it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawGateway, rejectionOf, startHarness, type Harness } from '../testing/engine-harness.js';

const NAME = 'procos_engine_request_duration_seconds';

describe('the engine request latency histogram', () => {
  let h: Harness;
  let metrics: () => Promise<string>;
  beforeAll(async () => {
    h = await startHarness();
    metrics = async () => (await fetch(`http://127.0.0.1:${h.running.monitoringPort}/metrics`)).text();
  });
  afterAll(async () => h.stop());

  /** The value of one series, found by its labels in any order; undefined when there is none. */
  const series = (text: string, name: string, labels: Record<string, string>): number | undefined => {
    for (const line of text.split('\n')) {
      const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const got = new Map([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
      const want = Object.entries(labels);
      if (want.length === got.size && want.every(([k, v]) => got.get(k) === v)) return Number(m[3]);
    }
    return undefined;
  };

  it('observes each unary call once, by method and the gRPC status code it answered with', async () => {
    const raw = rawGateway(h.running.address);
    await raw.Topology!({});
    await raw.Topology!({});
    const missing = await rejectionOf(raw.CompleteJob!({ jobKey: '2251799813685249', variables: '{}' }));
    expect(missing.message).toMatch(/^5 NOT_FOUND/);

    const text = await metrics();
    expect(text).toContain(`# TYPE ${NAME} histogram`);
    expect(series(text, `${NAME}_count`, { method: 'Topology', code: 'OK' })).toBe(2);
    expect(series(text, `${NAME}_count`, { method: 'CompleteJob', code: 'NOT_FOUND' })).toBe(1);
    expect(series(text, `${NAME}_count`, { method: 'CompleteJob', code: 'OK' })).toBeUndefined();
    // The alert's 5 s threshold is a bucket bound; both calls are far below it.
    expect(series(text, `${NAME}_bucket`, { method: 'Topology', code: 'OK', le: '5' })).toBe(2);
    expect(series(text, `${NAME}_bucket`, { method: 'Topology', code: 'OK', le: '+Inf' })).toBe(2);
    expect(series(text, `${NAME}_sum`, { method: 'Topology', code: 'OK' })).toBeGreaterThan(0);
  });

  it('leaves out the job streams, which wait for work as long as the worker asks', async () => {
    await rawGateway(h.running.address).Topology!({});
    const jobs = await h.client().activateJobs({
      type: 'nothing.here',
      worker: 't',
      timeout: 1000,
      maxJobsToActivate: 1,
      requestTimeout: 1,
    });
    expect(jobs).toEqual([]);
    const text = await metrics();
    expect(text).toMatch(/procos_engine_request_duration_seconds_count\{[^}]*method="Topology"/);
    expect(text).not.toMatch(/procos_engine_request_duration_seconds_count\{[^}]*method="ActivateJobs"/);
    expect(text).not.toMatch(/procos_engine_request_duration_seconds_count\{[^}]*method="StreamActivatedJobs"/);
  });
});
