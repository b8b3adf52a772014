import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { main } from '../lib/cli/entry-point.js';
import { createLogger } from '../lib/logging/logger.js';
import { startTracing } from '../lib/telemetry/tracing.js';
import { ZeebeEngineClient } from './engine-client/zeebe-engine-client.js';
import type { FaultPoint } from './controllers/process/process-reconciler.js';
import { startOperator } from './operator.js';
import { CamundaJobSearchBacklog, ProcosEngineBacklog, type BacklogSource } from './engine-client/backlog-source.js';
import { VERSION } from '../lib/cli/version.js';
import { sdkAuthHeaders } from './engine-client/sdk-auth.js';
import { engineCredentials } from './engine-client/engine-credentials.js';
import { SCRIPT_SECCOMP_PROFILE } from './controllers/pool/worker-objects.js';
import { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';

/** Both sources authenticate as the Zeebe client does (procos-engine's read API takes the same credentials). */
function backlogSource(kind: 'procos-engine' | 'camunda' | 'none', url: string | undefined): BacklogSource | undefined {
  if (kind === 'none') return undefined;
  if (!url) throw new Error(`--backlog-url: needed with --backlog-source ${kind}`);
  return kind === 'procos-engine'
    ? new ProcosEngineBacklog(url, sdkAuthHeaders())
    : new CamundaJobSearchBacklog(url, sdkAuthHeaders());
}

/**
 * The CA the operator trusts for a grpcs:// engine (CAMUNDA_CUSTOM_ROOT_CERT_PATH, from the chart's
 * engine.tls.caSecret), handed to worker pods as the PEM itself: a Secret of the operator's
 * namespace cannot be mounted by pods of others, and a CA certificate is not secret.
 */
function workerEngineCaEnv(): { name: string; value: string }[] {
  const path = process.env.CAMUNDA_CUSTOM_ROOT_CERT_PATH;
  let pem = process.env.CAMUNDA_CUSTOM_ROOT_CERT_STRING;
  if (!pem && path)
    try {
      pem = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`CAMUNDA_CUSTOM_ROOT_CERT_PATH: cannot read ${path}: ${(err as Error).message}`);
    }
  return pem ? [{ name: 'CAMUNDA_CUSTOM_ROOT_CERT_STRING', value: pem }] : [];
}

/** What worker pods need to export traces like the operator: the endpoint and its sampler. */
function workerTracingEnv(endpoint: string | undefined): { name: string; value: string }[] {
  if (!endpoint) return [];
  const sampler = ['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'].flatMap((name) => {
    const value = process.env[name];
    return value ? [{ name, value }] : [];
  });
  return [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: endpoint }, ...sampler];
}

const help = `
The ProcOS Kubernetes operator (the microkernel): reconciles ProcOSProcess resources —
validates their BPMN and job types against their SandboxPolicy and deploys them to Zeebe —,
WorkerPools — Deployments of procos-worker, scaled by the engine's job backlog — and
SandboxPolicies (which pools and processes use them).

Usage:
  procos-operator [options]

Options:
  --kubeconfig FILE             Cluster to manage (default: in-cluster, or $KUBECONFIG, or ~/.kube/config)
  --metrics-port PORT           /metrics, /healthz, /readyz (default 8080; 0 picks a free port;
                                /readyz: leader synced, or standby)
  --leader-election-namespace NS  Namespace of the Lease, which must exist (default $POD_NAMESPACE or procos-system)
  --lease-name NAME             Lease name (default procos-operator)
  --identity ID                 This replica's identity in the Lease (default hostname-pid)
  --lease-duration-seconds N    How long a leader's lease lasts without renewal (default 15)
  --no-leader-election          Run without a Lease (only ever one replica!)
  --concurrency N               Objects reconciled at once, per kind (default 8)
  --watch-namespaces NS[,NS…]   Namespace-scoped: watch and manage only these namespaces, so the
                                operator needs Roles there instead of a ClusterRole (the chart's
                                watchNamespaces). Default: all namespaces

The kernel (the system processes of processes/, applied with kubectl apply -k processes/):
  --no-kernel-jobs              Do not serve the kernel job types (procos.system.*, procos.request.*)
                                nor start the root orchestrator: another component does. By default
                                the leader serves them: check (engine, WorkerPools), restart (a
                                pool's workers roll), alert (an Event), shutdown (nothing stops)
  --health-interval-seconds N   How often the root orchestrator runs health monitoring (default 60)

WorkerPools:
  --worker-image IMAGE          procos-worker image of pools without spec.image
                                (default procos.local/procos-worker:VERSION)
  --worker-engine-address ADDR  How worker pods reach the engine (default $ZEEBE_GRPC_ADDRESS)
  --worker-otlp-endpoint URL    OTLP/HTTP endpoint worker pods export traces to (default
                                $OTEL_EXPORTER_OTLP_ENDPOINT, the operator's own); with it they
                                also get the operator's OTEL_TRACES_SAMPLER(_ARG)
  --backlog-source KIND         Where the backlog scaler reads job counts: procos-engine (its
                                /v1/jobs/backlog), camunda (Camunda 8.8+ REST job search) or none
                                (pools keep their size; condition BacklogUnavailable). Default none.
                                Both authenticate like the Zeebe client (CAMUNDA_AUTH_STRATEGY …)
  --backlog-url URL             The source's base URL: procos-engine's monitoring port
                                (http://engine:9600) or Camunda's REST API (http://camunda:8080)
  --backlog-poll-seconds N      How often the backlog is read and pools rescaled (default 10)
  --script-seccomp-profile NAME Localhost seccomp profile of pools that sandbox scripts in their
                                pods (isolation Process), relative to the kubelet's seccomp
                                folder; ship workers/sandbox/seccomp/procos-bwrap.json there
                                (default procos/bwrap.json)
  --help, --version

The engine connection comes from the @camunda8/sdk environment: ZEEBE_GRPC_ADDRESS
(grpc://host:26500 plaintext, grpcs:// TLS), CAMUNDA_AUTH_STRATEGY (NONE, OAUTH, BASIC, BEARER),
ZEEBE_CLIENT_ID / ZEEBE_CLIENT_SECRET / CAMUNDA_OAUTH_URL for Camunda 8 SaaS or self-managed,
CAMUNDA_OAUTH_TOKEN for BEARER (procos-engine --auth token), CAMUNDA_BASIC_AUTH_USERNAME /
_PASSWORD for BASIC, CAMUNDA_CUSTOM_ROOT_CERT_PATH for a grpcs:// engine whose certificate a
private CA signed. Worker pods get the same: the CA as a variable, the credentials through a
Secret each WorkerPool owns (<pool>-worker-engine-auth), which their environment comes from.
Logs are JSON lines (pino); LOG_LEVEL=debug for more.
`;

const Flags = z.object({
  kubeconfig: z.string().optional(),
  'metrics-port': z.coerce.number().int().min(0).max(65535).default(8080),
  'leader-election-namespace': z
    .string()
    .min(1)
    .default(process.env.POD_NAMESPACE ?? 'procos-system'),
  'lease-name': z.string().min(1).default('procos-operator'),
  identity: z.string().min(1).default(`${hostname()}-${process.pid}`),
  'no-leader-election': z.boolean().default(false),
  'lease-duration-seconds': z.coerce.number().int().min(2).max(300).default(15),
  concurrency: z.coerce.number().int().min(1).max(64).default(8),
  'watch-namespaces': z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((n) => n.trim()) : []))
    .pipe(
      z.array(
        z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
          message: 'each must be a namespace name (RFC 1123 label)',
        }),
      ),
    ),
  'no-kernel-jobs': z.boolean().default(false),
  'health-interval-seconds': z.coerce.number().int().min(1).max(86_400).default(60),
  'worker-image': z.string().min(1).default(`procos.local/procos-worker:${VERSION}`),
  'worker-engine-address': z.string().min(1).optional(),
  'worker-otlp-endpoint': z.url({ protocol: /^https?$/ }).optional(),
  'backlog-source': z.enum(['procos-engine', 'camunda', 'none']).default('none'),
  'backlog-url': z.url({ protocol: /^https?$/ }).optional(),
  'backlog-poll-seconds': z.coerce.number().int().min(1).max(3600).default(10),
  'script-seccomp-profile': z
    .string()
    .regex(/^[A-Za-z0-9._/-]+$/, { message: 'must be a relative path such as procos/bwrap.json' })
    .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), { message: 'must be a relative path' })
    .default(SCRIPT_SECCOMP_PROFILE),
});

/**
 * Test-only fault injection for the e2e suite: PROCOS_TEST_CRASH_AFTER=instance-created makes
 * the operator die (SIGKILL, no cleanup) right after it created a startOnDeploy instance and
 * before it recorded that in status — the window the at-most-once start record exists for.
 */
const TestEnv = z.object({ PROCOS_TEST_CRASH_AFTER: z.enum(['instance-created']).optional() });

await main({
  name: 'procos-operator',
  help,
  // Stopped means done: the SDK's client keeps the event loop alive ~10 s after close(), which
  // would hold a rollout's old pod (and the e2e suite) for nothing.
  exitWhenDone: true,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        kubeconfig: { type: 'string' },
        'metrics-port': { type: 'string' },
        'leader-election-namespace': { type: 'string' },
        'lease-name': { type: 'string' },
        identity: { type: 'string' },
        'no-leader-election': { type: 'boolean' },
        'lease-duration-seconds': { type: 'string' },
        concurrency: { type: 'string' },
        'watch-namespaces': { type: 'string' },
        'no-kernel-jobs': { type: 'boolean' },
        'health-interval-seconds': { type: 'string' },
        'worker-image': { type: 'string' },
        'worker-engine-address': { type: 'string' },
        'worker-otlp-endpoint': { type: 'string' },
        'backlog-source': { type: 'string' },
        'backlog-url': { type: 'string' },
        'backlog-poll-seconds': { type: 'string' },
        'script-seccomp-profile': { type: 'string' },
      },
    });
    const parsed = Flags.safeParse(values);
    if (!parsed.success)
      throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
    const f = parsed.data;
    const log = createLogger('procos-operator');
    const tracing = startTracing('procos-operator');
    if (tracing.endpoint) log.info({ otlpEndpoint: tracing.endpoint }, 'exporting traces');
    const testEnv = TestEnv.safeParse(process.env);
    if (!testEnv.success) throw new Error(`PROCOS_TEST_CRASH_AFTER: ${testEnv.error.issues[0]?.message ?? ''}`);
    const crashAfter = testEnv.data.PROCOS_TEST_CRASH_AFTER;
    const crashAt = new Set<FaultPoint>(crashAfter ? [crashAfter] : []);
    if (crashAfter) log.warn({ crashAfter }, 'test-only fault injection enabled: the operator will kill itself');
    const engine = new ZeebeEngineClient();
    const workerEngineAddress = f['worker-engine-address'] ?? process.env.ZEEBE_GRPC_ADDRESS;
    if (!workerEngineAddress)
      throw new Error('--worker-engine-address: not set, and no ZEEBE_GRPC_ADDRESS to default to');
    const backlog = backlogSource(f['backlog-source'], f['backlog-url']);
    const credentials = engineCredentials(process.env);
    if (credentials) log.info({ strategy: credentials.strategy }, 'worker pods get the engine credentials');
    // The kernel's job workers get a client of their own: closing it stops them, not deployments.
    const kernelClient = f['no-kernel-jobs']
      ? undefined
      : new ZeebeGrpcClient({
          config: { zeebeGrpcSettings: { ZEEBE_GRPC_CLIENT_RETRY: false, ZEEBE_CLIENT_LOG_LEVEL: 'NONE' } } as never,
        });
    const operator = await startOperator({
      kubeconfig: f.kubeconfig,
      engine,
      log,
      identity: f.identity,
      leaseNamespace: f['leader-election-namespace'],
      leaseName: f['lease-name'],
      leaderElection: !f['no-leader-election'],
      leaseDurationSeconds: f['lease-duration-seconds'],
      concurrency: f.concurrency,
      metricsPort: f['metrics-port'],
      watchNamespaces: f['watch-namespaces'],
      workers: {
        image: f['worker-image'],
        engineAddress: workerEngineAddress,
        backlog,
        pollMs: f['backlog-poll-seconds'] * 1000,
        scriptSeccompProfile: f['script-seccomp-profile'],
        env: [
          ...workerTracingEnv(f['worker-otlp-endpoint'] ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT),
          ...workerEngineCaEnv(),
        ],
        engineCredentials: credentials,
      },
      kernel: kernelClient && { zbc: kernelClient, healthIntervalSeconds: f['health-interval-seconds'] },
      faultPoint: (point) => {
        if (crashAt.has(point)) process.kill(process.pid, 'SIGKILL');
      },
    });
    const stop = (signal: string): void => {
      log.info({ signal }, 'shutting down');
      void operator.stop();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    await operator.done;
    await engine.close().catch(() => undefined);
    await tracing.shutdown();
    await kernelClient?.close(2000).catch(() => undefined);
    if (operator.failure) process.stderr.write(`procos-operator: ${operator.failure}\n`);
    return operator.lostLeadership || operator.failure ? 1 : 0;
  },
});
