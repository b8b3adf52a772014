// procos_engine_request_duration_seconds{method,code}: how long a client of the gateway waits for
// each unary call, until its events are durable and the answer goes out — what the chart's
// "engine latency" alert and dashboard read. The job streams (ActivateJobs long polls,
// StreamActivatedJobs) are not in it: they wait for work by design, as long as the client asks.
import { status } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Histogram, type Registry } from 'prom-client';

/** Starts timing one call of `method`; the returned function records it with its gRPC status. */
export type RequestTimer = (method: string) => (code: status) => void;

export function requestDurationTimer(registry: Registry): RequestTimer {
  const histogram = new Histogram({
    name: 'procos_engine_request_duration_seconds',
    help: 'Unary gRPC calls from request to answer (events durable), by method and gRPC status code',
    labelNames: ['method', 'code'],
    // Fine at the bottom (most commands take a commit, about a millisecond), and a bound at 5 s,
    // the alert's threshold, so its quantile is interpolated within a bucket that ends there.
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  // Each timed call is also a server span (a no-op unless tracing is exported: lib/telemetry).
  const tracer = trace.getTracer('procos-engine');
  // Labelled children found once per method and code: label lookup per call is not free.
  const observers = new Map<string, { observe(seconds: number): void }>();
  const observer = (method: string, code: status) => {
    const key = `${method}/${code}`;
    let child = observers.get(key);
    if (!child) observers.set(key, (child = histogram.labels({ method, code: status[code] })));
    return child;
  };
  return (method) => {
    const started = performance.now();
    const span = tracer.startSpan(`gateway_protocol.Gateway/${method}`, {
      kind: SpanKind.SERVER,
      attributes: { 'rpc.system': 'grpc', 'rpc.service': 'gateway_protocol.Gateway', 'rpc.method': method },
    });
    return (code) => {
      observer(method, code).observe((performance.now() - started) / 1000);
      span.setAttribute('rpc.grpc.status_code', code);
      if (code !== status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: status[code] });
      span.end();
    };
  };
}
