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
        enabled: z.boolean().default(false).describe('Start one instance of each newly deployed version.'),
        variables: jsonObject.optional().describe('Variables of that instance (a JSON object).'),
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
    processDefinitionKey: z
      .string()
      .max(20)
      .regex(/^[0-9]+$/)
      .optional()
      .describe('Engine key of the deployed definition (an int64, as a decimal string).'),
    checksum: z.string().max(128).optional().describe('sha256 of the deployed BPMN XML.'),
    taskTypes: z.array(taskType).max(256).optional().describe('Every job type the BPMN uses.'),
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
