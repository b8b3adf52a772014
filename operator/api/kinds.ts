// The three kinds, with everything the CRD generator needs to know about each.
import type { z } from 'zod';
import { GROUP, VERSION } from './meta.js';
import { procosProcess, procosProcessSpec, procosProcessStatus } from './procos-process.js';
import { sandboxPolicy, sandboxPolicySpec, sandboxPolicyStatus } from './sandbox-policy.js';
import { workerPool, workerPoolSpec, workerPoolStatus } from './worker-pool.js';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean' | 'number';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  description: string;
  /** The whole object, as a manifest carries it (apiVersion, kind, metadata, spec, status). */
  object: z.ZodType;
  spec: z.ZodType;
  status: z.ZodType;
  printerColumns: PrinterColumn[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
}

const readyColumns: PrinterColumn[] = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
];
const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const KINDS: KindDefinition[] = [
  {
    kind: 'ProcOSProcess',
    plural: 'procosprocesses',
    singular: 'procosprocess',
    shortNames: ['pproc'],
    description: 'A BPMN process that the ProcOS operator validates against its SandboxPolicy and deploys to Zeebe.',
    object: procosProcess,
    spec: procosProcessSpec,
    status: procosProcessStatus,
    printerColumns: [
      { name: 'Process', type: 'string', jsonPath: '.status.bpmnProcessId' },
      { name: 'Version', type: 'integer', jsonPath: '.status.version' },
      ...readyColumns,
      { name: 'Workers', type: 'string', jsonPath: '.status.conditions[?(@.type=="WorkersAvailable")].status' },
      age,
      { name: 'Key', type: 'string', jsonPath: '.status.processDefinitionKey', priority: 1 },
    ],
  },
  {
    kind: 'WorkerPool',
    plural: 'workerpools',
    singular: 'workerpool',
    shortNames: ['wp'],
    description: 'A Deployment of generic ProcOS job workers serving Zeebe job types, scaled by job backlog.',
    object: workerPool,
    spec: workerPoolSpec,
    status: workerPoolStatus,
    printerColumns: [
      { name: 'Desired', type: 'integer', jsonPath: '.status.desiredReplicas' },
      { name: 'Ready Replicas', type: 'integer', jsonPath: '.status.readyReplicas' },
      { name: 'Backlog', type: 'integer', jsonPath: '.status.backlog' },
      ...readyColumns,
      { name: 'Isolation', type: 'string', jsonPath: '.status.isolation', priority: 1 },
      age,
      { name: 'Task Types', type: 'string', jsonPath: '.spec.taskTypes', priority: 1 },
    ],
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    },
  },
  {
    kind: 'SandboxPolicy',
    plural: 'sandboxpolicies',
    singular: 'sandboxpolicy',
    shortNames: ['sbp'],
    description: 'Limits, isolation and the job types that worker pools and processes under it may use.',
    object: sandboxPolicy,
    spec: sandboxPolicySpec,
    status: sandboxPolicyStatus,
    printerColumns: [
      { name: 'Isolation', type: 'string', jsonPath: '.spec.script.isolation' },
      { name: 'Network', type: 'string', jsonPath: '.spec.script.network' },
      { name: 'Pools', type: 'integer', jsonPath: '.status.workerPoolCount' },
      { name: 'Processes', type: 'integer', jsonPath: '.status.processCount' },
      ...readyColumns,
      age,
      { name: 'Allowed', type: 'string', jsonPath: '.spec.allowedTaskTypes', priority: 1 },
    ],
  },
];

export const CATEGORY = 'procos';
export { GROUP, VERSION };
