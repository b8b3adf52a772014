// One OpenTelemetry span per job, carrying what an operator searches traces by — through the
// real OTel SDK (an in-memory exporter), not a stand-in tracer.
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFixture, startHarness, waitUntil, type Harness } from '../engine/testing/engine-harness.js';
import { startJobWorkers } from './job-runtime.js';
import { bindPool } from './pool-config.js';
import { SecretStore } from './secrets.js';

describe('procos-worker traces', () => {
  const exporter = new InMemorySpanExporter();
  let h: Harness;
  beforeAll(async () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
    trace.disable();
  });

  it('records one span per job with the instance key, element id, job type and adapter; errors redacted', async () => {
    const zbc = h.client();
    await deployFixture(zbc, 'two-steps.bpmn');
    const secrets = new SecretStore(undefined, { SPAN_TOKEN: 'span-secret-value' });
    const bound = bindPool(
      {
        apiVersion: 'procos.io/v1alpha1',
        kind: 'WorkerPool',
        metadata: { name: 'traced' },
        spec: {
          taskTypes: ['durable.work', 'durable.audit'],
          handlers: [
            { taskType: 'durable.work', adapter: 'format', config: { template: 'ok' } },
            // Not JSON: a permanent failure whose message quotes the secret.
            {
              taskType: 'durable.audit',
              adapter: 'format',
              config: { template: '{{secrets.SPAN_TOKEN}}', as: 'json' },
            },
          ],
        },
      },
      { secrets },
    );
    if (!bound.ok) throw new Error(bound.errors.join('; '));
    const workers = startJobWorkers(h.client(), bound.pool, pino({ level: 'silent' }));
    const i = await zbc.createProcessInstance({ bpmnProcessId: 'two-steps', variables: {} });
    const spans = await waitUntil(
      'two job spans',
      () =>
        exporter.getFinishedSpans().filter((s) => s.attributes['zeebe.process_instance.key'] === i.processInstanceKey),
      (s) => s.length === 2,
    );
    await workers.close();
    expect(
      spans.map((s) => [
        s.name,
        s.attributes['zeebe.element.id'],
        s.attributes['procos.worker.adapter'],
        s.status.code,
      ]),
    ).toEqual([
      ['job durable.work', 'work', 'format', 0],
      ['job durable.audit', 'audit', 'format', 2],
    ]);
    expect(spans[0]?.attributes).toMatchObject({
      'zeebe.job.type': 'durable.work',
      'zeebe.bpmn_process_id': 'two-steps',
    });
    expect(spans[1]?.status.message).toContain('format: the rendered template is not JSON');
    expect(JSON.stringify(spans.map((s) => [s.attributes, s.status]))).not.toContain('span-secret-value');
  });
});
