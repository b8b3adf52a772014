import { z } from 'zod';
import { withCelRules } from './cel-rules.js';
import {
  API_VERSION,
  conditions,
  jsonObject,
  localObjectReference,
  objectMeta,
  objectName,
  observedGeneration,
  taskType,
} from './meta.js';

/** etcd caps an object near 1.5 MiB; larger BPMN goes into a ConfigMap (or several). */
export const MAX_INLINE_BPMN_BYTES = 1_048_576;

/**
 * How deep startOnDeploy.variables may nest. Variables 5000 levels deep overflowed the stack
 * of the gRPC client's serialiser; real variables are a few levels deep.
 */
export const MAX_VARIABLES_DEPTH = 32;

/** status.taskTypes holds at most this many job types. */
export const MAX_STATUS_TASK_TYPES = 256;

/** Nesting depth of a JSON value (a scalar is 0, `{}` is 1), counted without recursion. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, depth] = item;
    if (v === null || typeof v !== 'object') continue;
    max = Math.max(max, depth + 1);
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return max;
}

const configMapKeyRef = z
  .object({
    name: objectName.describe('ConfigMap in the same namespace.'),
    key: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[-._a-zA-Z0-9]+$/, { message: 'must be a valid ConfigMap key' })
      .default('process.bpmn')
      .describe('Key holding the BPMN XML.'),
  })
  .strict();

const bpmnSource = withCelRules(
  z
    .object({
      inline: z.string().min(1).max(MAX_INLINE_BPMN_BYTES).optional().describe('BPMN 2.0 XML, inline.'),
      configMapRef: configMapKeyRef
        .optional()
        .describe('BPMN 2.0 XML from a ConfigMap key; changes to the ConfigMap are redeployed.'),
    })
    .strict()
    .describe('Where the BPMN XML comes from: exactly one of inline or configMapRef.'),
  [
    {
      rule: 'has(self.inline) != has(self.configMapRef)',
      message: 'exactly one of bpmn.inline or bpmn.configMapRef must be set',
    },
  ],
);

export const procosProcessSpec = z
  .object({
    bpmn: bpmnSource,
    sandboxPolicyRef: localObjectReference
      .optional()
      .describe(
        'SandboxPolicy whose allowedTaskTypes must cover every job type in the BPMN; otherwise the ' +
          'process is not deployed. Without it, any job type is allowed.',
      ),
    startOnDeploy: z
      .object({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            'Start one instance of each newly deployed version (at most one, even across operator crashes). ' +
              'The process needs a none start event.',
          ),
        variables: jsonObject
          .superRefine((v, ctx) => {
            const depth = jsonDepth(v);
            if (depth > MAX_VARIABLES_DEPTH)
              ctx.addIssue({
                code: 'custom',
                message: `nests ${depth} levels deep; at most ${MAX_VARIABLES_DEPTH} are allowed`,
              });
          })
          .optional()
          .describe(
            `Variables of that instance (a JSON object, nested at most ${MAX_VARIABLES_DEPTH} levels). The ` +
              'operator adds procosStartKey (<uid>/<version>) so the instance can be found in the engine.',
          ),
      })
      .strict()
      .prefault({})
      .describe('Boot behaviour: the root orchestrator starts this way.'),
    deletionPolicy: z
      .enum(['Retain', 'Delete'])
      .default('Retain')
      .describe(
        'Retain: deleting the resource leaves the engine untouched. Delete: the process definition is deleted from the engine too.',
      ),
  })
  .strict()
  .describe('A BPMN process the operator validates and deploys to Zeebe.');

const definitionKey = z
  .string()
  .max(20)
  .regex(/^[0-9]+$/)
  .describe('An engine key (an int64, as a decimal string).');

/**
 * The two-phase startOnDeploy record: `Starting` is written (with the object's
 * resourceVersion as a precondition) before the instance is created, `Started` after.
 */
export const startOnDeployStatus = z
  .object({
    bpmnProcessId: z.string().max(255).describe('Process the record is about.'),
    version: z
      .int()
      .min(1)
      .max(2 ** 31 - 1)
      .describe('Version the instance is (being) started for.'),
    processDefinitionKey: definitionKey,
    phase: z
      .enum(['Starting', 'Started', 'Failed', 'Unconfirmed', 'Skipped'])
      .describe(
        'Starting: about to create the instance. Started: created. Failed: the engine refused (retried ' +
          'when transient or when the spec changes). Unconfirmed: the operator stopped between Starting and ' +
          'Started; the instance was started at most once and is not started again. Skipped: this version ' +
          'was deployed before startOnDeploy was enabled.',
      ),
    startKey: z
      .string()
      .max(300)
      .optional()
      .describe('Value of the procosStartKey variable of the instance (<uid>/<version>).'),
    processInstanceKey: definitionKey.optional().describe('The instance, once Started.'),
    reason: z
      .string()
      .max(128)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      .optional()
      .describe('Why it Failed.'),
    message: z.string().max(4096).optional().describe('What happened, for people.'),
    observedGeneration: observedGeneration.optional(),
  })
  .strict();

export const procosProcessStatus = z
  .object({
    observedGeneration: observedGeneration.optional(),
    conditions: conditions.optional(),
    bpmnProcessId: z.string().max(255).optional().describe('Id of the executable process in the BPMN.'),
    version: z
      .int()
      .min(1)
      .max(2 ** 31 - 1)
      .optional()
      .describe('Version the engine gave the deployed definition.'),
    processDefinitionKey: definitionKey.optional().describe('Engine key of the deployed definition.'),
    checksum: z.string().max(128).optional().describe('sha256 of the deployed BPMN XML.'),
    taskTypes: z
      .array(taskType)
      .max(MAX_STATUS_TASK_TYPES)
      .optional()
      .describe(
        `Every job type the BPMN uses (the first ${MAX_STATUS_TASK_TYPES}; conditions say when there are more).`,
      ),
    startOnDeploy: startOnDeployStatus
      .optional()
      .describe('The startOnDeploy instance of the latest version, when startOnDeploy is enabled.'),
  })
  .strict();

export const procosProcess = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('ProcOSProcess'),
  metadata: objectMeta,
  spec: procosProcessSpec,
  status: procosProcessStatus.optional(),
});

export type ProcOSProcess = z.infer<typeof procosProcess>;
export type ProcOSProcessSpec = z.infer<typeof procosProcessSpec>;
export type ProcOSProcessStatus = z.infer<typeof procosProcessStatus>;
export type StartOnDeployStatus = z.infer<typeof startOnDeployStatus>;
