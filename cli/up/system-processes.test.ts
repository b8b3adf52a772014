// The system processes of processes/ run by `procos up` on procos-engine with real workers:
// requests in and answers out through the HTTP ingress, the root orchestrator's boot,
// health monitoring → error recovery, and shutdown.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/cli/version.js';
import { waitFor, waitUntil } from '../../lib/testing/wait-for.js';
import { demoRequest } from './demo-request.js';
import { instanceOf, readyOf, statusOf, startUp, stopAll, stopUp, type UpHarness } from './testing/up-harness.js';

const PROCESSES = join(projectRoot(), 'processes');
const TESTDATA = join(import.meta.dirname, 'testdata');
const WAIT = { timeoutMs: 60_000 };

afterEach(stopAll);

async function post(
  h: UpHarness,
  body: unknown,
  o: { wait?: boolean; raw?: string; contentType?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const url = `${h.system.kernel.ingressUrl}/requests${o.wait ? '?wait=true' : ''}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': o.contentType ?? 'application/json' },
    body: o.raw ?? JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

/** Adds request type `fail`, whose process always throws a BPMN error. */
function addFailingType(dir: string): void {
  cpSync(join(TESTDATA, 'fail.bpmn'), join(dir, 'fail.bpmn'));
  cpSync(join(TESTDATA, 'fail.yaml'), join(dir, 'fail.yaml'));
  const k = join(dir, 'kustomization.yaml');
  writeFileSync(
    k,
    readFileSync(k, 'utf8')
      .replace('  - echo.yaml\n', '  - echo.yaml\n  - fail.yaml\n')
      .replace('generatorOptions:', '  - name: fail-bpmn\n    files:\n      - fail.bpmn\ngeneratorOptions:'),
  );
  const types = join(dir, 'request-types.yaml');
  writeFileSync(types, `${readFileSync(types, 'utf8')}fail:\n  process: procos-fail\n`);
}

/** Messages the engine has taken (each accepted request is one), from its own metrics. */
async function messagesPublished(h: UpHarness): Promise<number> {
  const text = await (await fetch(`${h.system.record.monitoringUrl ?? ''}/metrics`)).text();
  return Number(/^procos_engine_events_total\{type="MESSAGE_PUBLISHED"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

describe('the system processes under procos up', () => {
  it('boots: every process deployed, the root orchestrator started and past its boot check', async () => {
    const h = await startUp({ from: PROCESSES });
    for (const name of [
      'procos-root',
      'procos-request',
      'procos-health-monitor',
      'procos-error-recovery',
      'procos-shutdown',
      'procos-echo',
    ])
      expect(readyOf(h, 'ProcOSProcess', name), name).toMatchObject({ status: 'True' });
    // Job types the kernel serves count as served, like a pool's.
    expect(
      statusOf(h, 'ProcOSProcess', 'procos-root')?.conditions?.find((c) => c.type === 'WorkersAvailable'),
    ).toMatchObject({
      status: 'True',
    });
    const root = h.system.kernel.rootInstanceKey ?? '';
    expect(h.lines.join('\n')).toContain(`root orchestrator started (instance ${root})`);
    await waitFor('the root supervises (waits for shutdown)', async () =>
      (await instanceOf(h, root))?.elements.some((e) => e.elementId === 'supervise') ? true : undefined,
    );
  });

  it('answers a request with ?wait=true, and a retried request id never starts a second instance', async () => {
    const h = await startUp({ from: PROCESSES });
    const first = await post(h, { type: 'echo', id: 'req-1', payload: { n: 1 } }, { wait: true });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: 'req-1', state: 'completed', result: { echo: { n: 1 } } });
    expect(first.headers.get('location')).toBe('/requests/req-1');

    const again = await post(h, { type: 'echo', id: 'req-1', payload: { n: 1 } }, { wait: true });
    expect(again.body).toMatchObject({ id: 'req-1', duplicate: true, instanceKey: first.body.instanceKey });
    const status = await fetch(`${h.system.kernel.ingressUrl}/requests/req-1`);
    expect(await status.json()).toMatchObject({ state: 'completed', instanceKey: first.body.instanceKey });
  });

  it('without wait answers 202 with the instance key, then GET /requests/{id} has the result', async () => {
    const h = await startUp({ from: PROCESSES });
    const r = await post(h, { type: 'echo', payload: { n: 2 } });
    expect(r.status).toBe(202);
    expect(r.body.instanceKey).toMatch(/^\d+$/);
    const id = String(r.body.id);
    const done = await waitUntil(
      'the request completes',
      async () =>
        (await (await fetch(`${h.system.kernel.ingressUrl}/requests/${id}`)).json()) as Record<string, unknown>,
      (b) => b.state === 'completed',
    );
    expect(done.result).toEqual({ echo: { n: 2 } });
  });

  it('answers an AI query with the local model (validated, routed, asked, formatted), and the demo shows what ran', async () => {
    const h = await startUp({ from: PROCESSES });
    const lines: string[] = [];
    const ok = await demoRequest({
      ingressUrl: h.system.kernel.ingressUrl,
      monitoringUrl: h.system.record.monitoringUrl,
      out: (l) => lines.push(l),
    });
    const said = lines.join('\n');
    expect(ok, said).toBe(true);
    expect(said).toContain('demo: answer (local provider, model procos-demo-tiny.gguf');
    expect(said).toContain('this text is not meaningful');
    expect(said).toMatch(/what ran \(2 processes, 5 jobs, \d+ ms in all\)/);
    expect(said).toMatch(/procos-request v1 \(instance \d+\), completed/);
    expect(said).toContain('track: job procos.request.track by procos-kernel');
    expect(said).toContain('handle: calls procos-ai-query (below)');
    expect(said).toContain('ask-local: job ai.query.local by default-procos-ai-0');
    const refused = await post(h, { type: 'ai-query', payload: { prompt: 'hi', provider: 'ollama' } });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toContain('payload.provider: must be equal to one of the allowed values ("local")');
  });

  it('refuses bad requests with 4xx and a reason, and nothing reaches the engine', async () => {
    const h = await startUp({ from: PROCESSES });
    const before = await messagesPublished(h);
    const cases: [Parameters<typeof post>, number, string, RegExp][] = [
      [
        [h, { type: 'no-such-type', payload: {} }],
        422,
        'UnknownRequestType',
        /"no-such-type" is not known \(known: ai-query, echo\)/,
      ],
      [[h, { type: 'echo', payload: 5 }], 422, 'InvalidPayload', /payload: must be object/],
      [[h, { type: 'echo', payload: {}, extra: 1 }], 400, 'InvalidRequest', /extra/],
      [[h, { type: 'echo', id: 'has spaces' }], 400, 'InvalidRequest', /a request id is/],
      [[h, null, { raw: '{"type": "echo", ' }], 400, 'InvalidJson', /not JSON/],
      [
        [h, null, { raw: 'type=echo', contentType: 'application/x-www-form-urlencoded' }],
        415,
        'UnsupportedMediaType',
        /application\/json/,
      ],
      [[h, { type: 'echo', payload: { big: 'x'.repeat(2 * 1024 * 1024) } }], 413, 'BodyTooLarge', /at most 1048576/],
    ];
    for (const [args, status, reason, detail] of cases) {
      const r = await post(...args);
      expect(r.status, reason).toBe(status);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
      expect(r.body).toMatchObject({ title: reason, status });
      expect(String(r.body.detail)).toMatch(detail);
    }
    expect(await messagesPublished(h)).toBe(before);
    await post(h, { type: 'echo', payload: {} }, { wait: true });
    expect(await messagesPublished(h)).toBe(before + 1); // the count sees a request that does get in
    const missing = await fetch(`${h.system.kernel.ingressUrl}/requests/never-sent`);
    expect(missing.status).toBe(404);
  });

  it('answers a request whose process throws a BPMN error with state failed, and reports the failure to the root', async () => {
    const h = await startUp({ from: PROCESSES, prepare: addFailingType });
    const r = await post(h, { type: 'fail', id: 'doomed' }, { wait: true });
    expect(r.body).toMatchObject({ state: 'failed', error: 'the procos-fail process threw a BPMN error' });
    await waitFor(
      'the root hears of it',
      () => h.lines.find((l) => l.includes('component request fail failed (low)')),
      WAIT,
    );
  });

  it('health monitoring raises a pool that is down, and error recovery restarts it', async () => {
    const h = await startUp({
      from: PROCESSES,
      options: { healthIntervalSeconds: 1 },
      prepare: (dir) => {
        const pools = join(dir, 'system-pools.yaml');
        writeFileSync(
          pools,
          `${readFileSync(pools, 'utf8')}  env:\n    - name: NODE_OPTIONS\n      value: --no-such-node-flag\n`,
        );
      },
    });
    await waitFor(
      'monitoring reports the pool',
      () => h.lines.find((l) => /component pool\/procos-requests failed \(medium\): CrashLoopBackOff/.test(l)),
      WAIT,
    );
    await waitFor(
      'recovery restarts it',
      () => h.lines.find((l) => l.includes('restarting the workers of pool procos-requests')),
      WAIT,
    );
  });

  it('error recovery escalates a high-severity failure and checks a low one again after a backoff', async () => {
    const h = await startUp({ from: PROCESSES });
    const fail = (severity: string, component: string): Promise<unknown> =>
      h.zbc.publishMessage({
        name: 'procos.component-failed',
        correlationKey: 'procos',
        variables: { failure: { component, severity, error: 'it stopped answering' } },
        timeToLive: 0,
      });
    await fail('high', 'pool/imaginary');
    await waitFor(
      'the escalation',
      () =>
        h.lines.find((l) =>
          l.includes('ALERT critical: pool/imaginary is down (high, attempt 1): it stopped answering'),
        ),
      WAIT,
    );
    // A low failure of something that is healthy when checked again: recovered, no alert.
    await fail('low', 'engine');
    const recovered = await waitFor(
      'the recovery instance to finish',
      async () => {
        const res = await fetch(
          `${h.system.record.monitoringUrl ?? ''}/v1/history/process-instances?bpmnProcessId=procos-error-recovery`,
        );
        const list = (await res.json()) as { processInstanceKey: string; state: string }[];
        return list.length === 2 && list.every((i) => i.state === 'completed') ? list : undefined;
      },
      WAIT,
    );
    const tree = (await (
      await fetch(
        `${h.system.record.monitoringUrl ?? ''}/v1/history/process-instances/${recovered[0]?.processInstanceKey ?? ''}`,
      )
    ).json()) as { elements: { elementId: string }[] };
    expect(tree.elements.map((e) => e.elementId)).toEqual(expect.arrayContaining(['backoff', 'recheck', 'back']));
    expect(h.lines.filter((l) => l.includes('ALERT critical'))).toHaveLength(1);
  });

  it('stops through the shutdown process, and the next boot starts a new root while requests resume', async () => {
    const first = await startUp({ from: PROCESSES });
    const root = first.system.kernel.rootInstanceKey;
    const dir = first.dir;
    const stateRoot = join(dir, '..');
    await stopUp(first);
    const said = first.lines.join('\n');
    expect(said).toContain('requests are no longer taken');
    expect(said).toContain('ALERT info: the system is shutting down');

    const second = await startUp({ from: PROCESSES, root: stateRoot });
    expect(second.system.kernel.rootInstanceKey).not.toBe(root);
    expect(second.lines.join('\n')).not.toContain('Deployed');
    const r = await post(second, { type: 'echo', payload: { after: 'restart' } }, { wait: true });
    expect(r.body).toMatchObject({ state: 'completed', result: { echo: { after: 'restart' } } });
  });
});
