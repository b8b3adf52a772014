// OTLP trace export for every ProcOS binary (operator, engine, workers), configured the standard
// OpenTelemetry way so a collector, Jaeger or Tempo needs nothing ProcOS-specific:
// OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) turns it on, OTEL_EXPORTER_OTLP_HEADERS carries
// credentials, OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES name the source, OTEL_TRACES_SAMPLER
// samples. Without an endpoint nothing is registered: the API's no-op tracer costs nothing.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { VERSION } from '../cli/version.js';

export interface Tracing {
  /** Where spans go, or undefined when tracing is off. */
  endpoint?: string;
  /** Sends what is buffered and stops; call before the process exits. */
  shutdown(): Promise<void>;
}

export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none')
    return { shutdown: () => Promise.resolve() };
  // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME (envDetector) win over our defaults.
  const resource = resourceFromAttributes({ 'service.name': serviceName, 'service.version': VERSION }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Spans started inside an active span (a reconcile's API calls, a job's handler) are its children.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return {
    endpoint,
    shutdown: async () => {
      await provider.shutdown().catch(() => undefined);
      trace.disable();
      context.disable();
    },
  };
}
