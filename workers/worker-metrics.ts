// The worker's Prometheus metrics, on a registry of its own. Names follow the seed's
// (procos_external_task_duration_seconds, procos_active_workers) plus job counts by outcome and
// the share of maxJobsActive in use — the saturation signal an autoscaler wants. A job ends
// completed, failed or errored (handed back is not an end: another worker takes it), so the
// failure rate the chart's alert reads is failed ÷ (completed + failed + errored).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LABELS = ['task_topic', 'worker_type'] as const;

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly duration = new Histogram({
    name: 'procos_external_task_duration_seconds',
    help: 'Time from a job reaching the worker to its outcome being reported, by job type and adapter.',
    labelNames: LABELS,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly activeWorkers = new Gauge({
    name: 'procos_active_workers',
    help: 'Job workers (one per handler) activating jobs now, by adapter; 0 while draining.',
    labelNames: ['worker_type'],
    registers: [this.registry],
  });
  readonly activated = this.counter('procos_worker_jobs_activated_total', 'Jobs received from the engine.');
  readonly completed = this.counter('procos_worker_jobs_completed_total', 'Jobs completed.');
  readonly failed = this.counter('procos_worker_jobs_failed_total', 'Jobs failed back to the engine (FailJob).');
  readonly errored = this.counter('procos_worker_jobs_errored_total', 'Jobs ending in a BPMN error (ThrowError).');
  readonly handedBack = this.counter(
    'procos_worker_jobs_handed_back_total',
    'Jobs given back unworked or unfinished while draining, retries unchanged.',
  );
  readonly inFlight = new Gauge({
    name: 'procos_worker_jobs_in_flight',
    help: 'Jobs being worked on now.',
    labelNames: LABELS,
    registers: [this.registry],
  });
  readonly saturation = new Gauge({
    name: 'procos_worker_saturation_ratio',
    help: 'Jobs in flight (and waiting in the worker) divided by maxJobsActive; 1 means full.',
    labelNames: LABELS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'procos_worker_' });
  }

  /**
   * Every job counter of a handler, at 0 from its start: a type that never failed reports 0
   * failed, not nothing, so its failure rate has a denominator and a value from the first job.
   */
  startHandler(labels: Record<(typeof LABELS)[number], string>): void {
    for (const c of [this.activated, this.completed, this.failed, this.errored, this.handedBack]) c.inc(labels, 0);
  }

  private counter(name: string, help: string): Counter<(typeof LABELS)[number]> {
    return new Counter({ name, help, labelNames: LABELS, registers: [this.registry] });
  }
}
