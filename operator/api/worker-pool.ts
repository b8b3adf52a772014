import { z } from 'zod';
import { withCelRules } from './cel-rules.js';
import {
  API_VERSION,
  conditions,
  jsonObject,
  listMap,
  listSet,
  localObjectReference,
  objectMeta,
  objectName,
  observedGeneration,
  resourceRequirements,
  taskType,
} from './meta.js';

export const ADAPTERS = ['http', 'python', 'smtp', 'ai', 'validate', 'format', 'compute'] as const;

const handler = z
  .object({
    taskType: taskType.describe('The job type this handler serves; must be listed in spec.taskTypes.'),
    adapter: z
      .enum(ADAPTERS)
      .describe('Adapter that does the work: http, python, smtp, ai, validate, format or compute.'),
    config: jsonObject
      .optional()
      .describe("Adapter configuration (a JSON object), validated by the adapter's own schema."),
    retries: z
      .int()
      .min(0)
      .max(100)
      .default(3)
      .describe('Local retries of a transient adapter failure before the job is failed back to the engine.'),
    timeoutSeconds: z
      .int()
      .min(1)
      .max(86400)
      .default(300)
      .describe('Job activation timeout: after this the engine hands the job to another worker.'),
  })
  .strict();

const scaling = withCelRules(
  z
    .object({
      min: z.int().min(0).max(1000).default(1).describe('Fewest replicas the backlog scaler keeps.'),
      max: z.int().min(1).max(1000).default(10).describe('Most replicas the backlog scaler starts.'),
      targetBacklogPerReplica: z
        .int()
        .min(1)
        .max(100000)
        .default(5)
        .describe('Activatable jobs per replica the scaler aims for (like KEDA targetQueueSize).'),
      scaleUpCooldownSeconds: z.int().min(0).max(3600).default(15).describe('Least time between two scale-ups.'),
      scaleDownCooldownSeconds: z.int().min(0).max(86400).default(300).describe('Least time between two scale-downs.'),
    })
    .strict()
    .describe('Built-in backlog scaler; used while spec.replicas is unset.'),
  [{ rule: 'self.min <= self.max', message: 'scaling.min must not exceed scaling.max', fieldPath: '.min' }],
);

const envVar = withCelRules(
  z
    .object({
      name: z
        .string()
        .min(1)
        .max(128)
        .regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/, { message: 'must be a valid environment variable name' }),
      value: z.string().max(32768).optional().describe('Literal value.'),
      secretKeyRef: z
        .object({ name: objectName, key: z.string().min(1).max(253) })
        .strict()
        .optional()
        .describe('Value from a key of a Secret in the same namespace.'),
    })
    .strict(),
  [{ rule: 'has(self.value) != has(self.secretKeyRef)', message: 'exactly one of value or secretKeyRef must be set' }],
);

export const workerPoolSpec = withCelRules(
  z
    .object({
      taskTypes: listSet(
        z.array(taskType).min(1).max(64).describe('Zeebe job types the workers of this pool activate.'),
      ),
      handlers: listMap(
        z.array(handler).min(1).max(64).describe('How each job type is handled; one entry per task type.'),
        'taskType',
      ),
      replicas: z
        .int()
        .min(0)
        .max(1000)
        .optional()
        .describe(
          'Fixed replica count, written by you or by an autoscaler through the scale subresource. ' +
            'Leave unset to let the built-in backlog scaler choose within spec.scaling.',
        ),
      scaling: scaling.prefault({}),
      sandboxPolicyRef: localObjectReference
        .optional()
        .describe('SandboxPolicy that must allow every task type, and whose limits and pod security apply.'),
      image: z
        .string()
        .min(1)
        .max(512)
        .optional()
        .describe("Worker container image; defaults to the operator's configured procos-worker image."),
      resources: resourceRequirements.optional().describe('Resources of each worker container.'),
      env: listMap(
        z.array(envVar).max(64).describe('Extra environment of the worker containers (e.g. API keys from Secrets).'),
        'name',
      ).optional(),
      secretRefs: listMap(
        z
          .array(localObjectReference)
          .max(16)
          .describe(
            'Secrets in the same namespace whose keys handler configs use as {{secrets.KEY}}: mounted read-only ' +
              'into the workers (a rotated Secret takes effect without a restart). A missing Secret stops the ' +
              'rollout and is reported as SecretNotFound.',
          ),
        'name',
      ).optional(),
      maxJobsActive: z
        .int()
        .min(1)
        .max(1024)
        .default(32)
        .describe('Jobs one replica works on at once (maxJobsToActivate of its job workers).'),
    })
    .strict()
    .describe('A pool of generic job workers serving Zeebe job types.'),
  [
    {
      rule: 'self.handlers.all(h, h.taskType in self.taskTypes)',
      message: 'every handler must serve a task type listed in taskTypes',
      fieldPath: '.handlers',
    },
    {
      rule: 'self.taskTypes.all(t, self.handlers.exists(h, h.taskType == t))',
      message: 'every task type in taskTypes needs a handler',
      fieldPath: '.taskTypes',
    },
  ],
);

export const workerPoolStatus = z
  .object({
    observedGeneration: observedGeneration.optional(),
    conditions: conditions.optional(),
    replicas: z.int().min(0).optional().describe('Worker pods that exist (scale subresource).'),
    readyReplicas: z.int().min(0).optional().describe('Worker pods that are ready.'),
    desiredReplicas: z.int().min(0).optional().describe('Replicas the pool wants now (fixed or from the scaler).'),
    backlog: z
      .int()
      .min(0)
      .optional()
      .describe('Activatable jobs of the pool\u2019s task types, as last read from the engine.'),
    backlogByType: listMap(
      z
        .array(z.object({ taskType, backlog: z.int().min(0).describe('Activatable jobs of this type.') }).strict())
        .max(64)
        .describe('The backlog per task type, as last read from the engine.'),
      'taskType',
    ).optional(),
    selector: z.string().max(1024).optional().describe('Label selector of the worker pods (scale subresource).'),
    isolation: z
      .enum(['None', 'Process', 'Pod'])
      .optional()
      .describe(
        'How scripts of this pool are sandboxed: None (no script handlers), Process (bubblewrap inside the ' +
          'worker) or Pod (a restricted Pod per script).',
      ),
    lastScaleTime: z
      .string()
      .max(64)
      .optional()
      .describe('When the backlog scaler last changed the replica count (RFC 3339).'),
    lastScaleUpTime: z
      .string()
      .max(64)
      .optional()
      .describe('When the backlog scaler last scaled up (RFC 3339); the scale-up cooldown counts from it.'),
  })
  .strict();

export const workerPool = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('WorkerPool'),
  metadata: objectMeta,
  spec: workerPoolSpec,
  status: workerPoolStatus.optional(),
});

export type WorkerPool = z.infer<typeof workerPool>;
export type WorkerPoolSpec = z.infer<typeof workerPoolSpec>;
