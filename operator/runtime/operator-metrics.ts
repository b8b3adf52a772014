// The operator's Prometheus metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function operatorMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    reconciles: new Counter({
      name: 'procos_operator_reconcile_total',
      help: 'Reconciles by kind and result',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'procos_operator_reconcile_duration_seconds',
      help: 'Reconcile duration',
      labelNames: ['kind'],
      buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'procos_operator_workqueue_depth',
      help: 'Keys waiting in the workqueue',
      labelNames: ['kind'],
      registers: [registry],
    }),
    informerAge: new Gauge({
      name: 'procos_operator_informer_last_event_age_seconds',
      help: 'Seconds since an informer saw an event or bookmark',
      labelNames: ['resource'],
      registers: [registry],
    }),
    apiRequests: new Counter({
      name: 'procos_operator_apiserver_requests_total',
      help: 'Requests to the Kubernetes API',
      labelNames: ['verb'],
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'procos_operator_leader',
      help: '1 while this replica holds the lease',
      registers: [registry],
    }),
  };
}

export type OperatorMetrics = ReturnType<typeof operatorMetrics>;
