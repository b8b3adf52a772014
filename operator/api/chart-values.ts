// The Helm chart's values as a zod schema: `make crds` writes charts/procos/values.schema.json
// from it, so `helm install` refuses a value of the wrong shape and names the field.
import { z } from 'zod';

const quantity = z.union([z.string(), z.number()]);
const resources = z
  .strictObject({
    requests: z.record(z.string(), quantity).optional(),
    limits: z.record(z.string(), quantity).optional(),
  })
  .describe('CPU and memory of each operator replica');

export const chartValues = z.strictObject({
  replicaCount: z.int().min(1).max(10).describe('Operator replicas; one leads through a Lease'),
  image: z.strictObject({
    repository: z.string().min(1),
    tag: z.string().describe("Defaults to the chart's appVersion"),
    pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']),
  }),
  imagePullSecrets: z.array(z.strictObject({ name: z.string().min(1) })),
  engine: z.strictObject({
    address: z
      .string()
      .regex(/^$|^grpcs?:\/\/[^/\s]+$/, 'grpc://host:port or grpcs://host:port')
      .describe('ZEEBE_GRPC_ADDRESS of Zeebe / Camunda 8 or procos-engine'),
    auth: z.strictObject({
      strategy: z.enum(['NONE', 'OAUTH', 'BASIC']),
      existingSecret: z.string().describe('Secret with the credentials, as environment variables'),
    }),
    tls: z.strictObject({
      caSecret: z.string().describe("Secret whose key ca.crt is the CA of the engine's certificate"),
    }),
  }),
  bundledEngine: z.strictObject({
    enabled: z.boolean(),
    auth: z
      .strictObject({
        enabled: z.boolean().describe('Require a bearer token on its gRPC and read APIs (procos-engine --auth token)'),
        existingSecret: z
          .string()
          .describe("Secret whose key `token` is the engine's token; empty: the chart makes one, kept across upgrades"),
      })
      .describe('Who may call the bundled engine: the operator and the workers get its token'),
    image: z.strictObject({
      repository: z.string().min(1),
      tag: z.string(),
      pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']),
    }),
    persistence: z.strictObject({
      enabled: z.boolean(),
      size: z.string().regex(/^\d+(Ki|Mi|Gi|Ti)$/, 'a size such as 1Gi'),
      storageClassName: z.string(),
    }),
    resources,
  }),
  backlog: z.strictObject({
    source: z.enum(['none', 'procos-engine', 'camunda']),
    url: z.string().regex(/^$|^https?:\/\/\S+$/, 'an http(s) URL'),
    pollSeconds: z.int().min(1).max(3600),
  }),
  workers: z.strictObject({
    image: z.string().min(1),
    engineAddress: z.string().regex(/^$|^grpcs?:\/\/[^/\s]+$/, 'grpc://host:port or grpcs://host:port'),
    scriptSeccompProfile: z.string(),
  }),
  concurrency: z.int().min(1).max(256),
  kernel: z
    .strictObject({
      enabled: z.boolean(),
      healthIntervalSeconds: z.int().min(1).max(86_400),
    })
    .describe('The kernel job types of the system processes (processes/), served by the leader'),
  watchNamespaces: z
    .array(z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a namespace name'))
    .describe('Namespace-scoped mode: only these namespaces, with Roles instead of a ClusterRole'),
  tracing: z.strictObject({
    otlp: z.strictObject({
      endpoint: z.string().regex(/^$|^https?:\/\/\S+$/, 'an http(s) URL such as http://otel-collector:4318'),
      headersSecret: z.string().describe('Secret with the key OTEL_EXPORTER_OTLP_HEADERS'),
    }),
    // A string too: `helm --set` passes 0.25 as a string (it parses integers only).
    sampleRatio: z.union([
      z.number().min(0).max(1),
      z.string().regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'a number from 0 to 1'),
    ]),
  }),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error']),
  metrics: z.strictObject({
    port: z.int().min(1).max(65535),
    serviceMonitor: z.strictObject({
      enabled: z.boolean(),
      interval: z.string().regex(/^\d+(ms|s|m|h)$/, 'a Prometheus duration such as 30s'),
      labels: z.record(z.string(), z.string()),
    }),
    prometheusRule: z
      .strictObject({ enabled: z.boolean(), labels: z.record(z.string(), z.string()) })
      .describe('A PrometheusRule with the ProcOS alerts (files/alerts.yaml)'),
    grafanaDashboard: z
      .strictObject({
        enabled: z.boolean(),
        labels: z.record(z.string(), z.string()).describe("The labels Grafana's dashboard sidecar selects on"),
        annotations: z.record(z.string(), z.string()),
      })
      .describe('A ConfigMap with the ProcOS Grafana dashboard (files/dashboard.json)'),
  }),
  resources,
  podDisruptionBudget: z.strictObject({ enabled: z.boolean() }),
  nodeSelector: z.record(z.string(), z.string()),
  tolerations: z.array(z.record(z.string(), z.unknown())),
  affinity: z.record(z.string(), z.unknown()),
});

export function chartValuesJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(chartValues, { target: 'draft-7' });
}
