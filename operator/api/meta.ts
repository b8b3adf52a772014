// Building blocks shared by the three kinds: references, quantities, conditions, object meta.
import { z } from 'zod';

export const GROUP = 'procos.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** DNS-1123 subdomain, the rule for most Kubernetes object names. */
export const objectName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    message: 'must be a lowercase RFC 1123 subdomain (a-z, 0-9, "-", "."), starting and ending alphanumeric',
  });

export const localObjectReference = z
  .object({ name: objectName.describe('Name of the object in the same namespace.') })
  .strict();

/**
 * A Zeebe job type. Zeebe allows any non-blank string; we bound the length so CEL rules that
 * iterate over job types stay inside the apiserver's cost budget.
 */
export const taskType = z.string().min(1).max(255).regex(/^\S+$/, { message: 'must not contain whitespace' });

/** Same shape controller-gen emits for resource.Quantity: an int or a quantity string. */
export const quantity = z.union([
  z
    .int()
    .min(0)
    .max(2 ** 53 - 1),
  z
    .string()
    .max(64)
    .regex(
      /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/,
      { message: 'must be a Kubernetes quantity such as 500m, 2, 256Mi or 1Gi' },
    ),
]);

export const resourceList = z
  .object({
    cpu: quantity.optional().describe('CPU, in cores (e.g. 500m, 2).'),
    memory: quantity.optional().describe('Memory, in bytes (e.g. 256Mi, 1Gi).'),
  })
  .strict();

export const resourceRequirements = z
  .object({
    requests: resourceList.optional().describe('Minimum resources the scheduler reserves.'),
    limits: resourceList.optional().describe('Maximum resources a container may use.'),
  })
  .strict();

/** Free-form JSON object (kept as-is by the apiserver: x-kubernetes-preserve-unknown-fields). */
export const jsonObject = z.record(z.string(), z.unknown());

/** metav1.Condition, as Kubernetes API conventions define it. */
export const condition = z
  .object({
    type: z
      .string()
      .max(316)
      .regex(
        /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/,
      )
      .describe('Type of condition in CamelCase: Ready, Validated, Deployed, Reconciling, Stalled.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('Status of the condition.'),
    observedGeneration: z
      .int()
      .min(0)
      .max(2 ** 53 - 1)
      .optional()
      .describe('metadata.generation the condition was set from.'),
    lastTransitionTime: z.iso.datetime().describe('Last time the condition changed status.'),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      .describe('Machine-readable CamelCase reason for the last transition.'),
    message: z.string().max(32768).describe('Human-readable details of the transition.'),
  })
  .strict();

export type Condition = z.infer<typeof condition>;

export const conditions = listMap(
  z.array(condition).max(16).describe('Standard conditions (Ready first); kubectl wait and Argo CD read them.'),
  'type',
);

/** The parts of ObjectMeta a manifest carries; the apiserver owns the rest. */
export const objectMeta = z
  .object({
    name: objectName,
    namespace: objectName.optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    generation: z.int().optional(),
    resourceVersion: z.string().optional(),
    uid: z.string().optional(),
    finalizers: z.array(z.string()).optional(),
    deletionTimestamp: z.string().optional(),
  })
  .loose();

export const observedGeneration = z
  .int()
  .min(0)
  .max(2 ** 53 - 1)
  .describe('metadata.generation this status was computed from.');

/**
 * `x-kubernetes-list-type: set`: the apiserver rejects duplicate items ("Duplicate value");
 * zod does the same so the CLI and operator agree with it.
 */
export function listSet<T extends z.ZodArray>(schema: T): T {
  return schema
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        const k = JSON.stringify(item);
        if (seen.has(k)) ctx.addIssue({ code: 'custom', message: `Duplicate value: ${k}`, path: [i] });
        seen.add(k);
      });
    })
    .meta({ ...schema.meta(), 'x-kubernetes-list-type': 'set' });
}

/** `x-kubernetes-list-type: map` keyed by one field: each key at most once (SSA merges by it). */
export function listMap<T extends z.ZodArray>(schema: T, key: string): T {
  return schema
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        const k = JSON.stringify((item as Record<string, unknown>)[key]);
        if (seen.has(k)) ctx.addIssue({ code: 'custom', message: `Duplicate value: ${k}`, path: [i, key] });
        seen.add(k);
      });
    })
    .meta({ ...schema.meta(), 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key] });
}
