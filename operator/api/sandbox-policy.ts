import { z } from 'zod';
import { MAX_GLOB_LENGTH, TASK_TYPE_GLOB_PATTERN } from '../../lib/policy/task-type-glob.js';
import { withCelRules } from './cel-rules.js';
import {
  API_VERSION,
  conditions,
  listSet,
  objectMeta,
  objectName,
  observedGeneration,
  quantity,
  resourceRequirements,
} from './meta.js';

/**
 * A glob over Zeebe job types a pool or process may use. The grammar is a pattern in the CRD,
 * so the apiserver refuses `[z-a]` at apply time (lib/policy/task-type-glob.ts matches it).
 */
const taskTypeGlob = z
  .string()
  .min(1)
  .max(MAX_GLOB_LENGTH)
  .regex(TASK_TYPE_GLOB_PATTERN, {
    message:
      'must be a job type glob without whitespace: * (any run), ? (one character), [a-z] or [!a-z] ' +
      '(characters and ascending ranges within a-z, A-Z or 0-9)',
  });

const egressRule = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.*:\-[\]/]+$/, { message: 'must be host, host:port, *.domain or a CIDR' });

const scriptLimits = withCelRules(
  z
    .object({
      isolation: z
        .enum(['Process', 'Pod'])
        .default('Process')
        .describe(
          'Process: each script runs in a bubblewrap sandbox inside the worker (needs user namespaces). ' +
            'Pod: each script runs as a short-lived restricted Pod (use where pods cannot unshare namespaces).',
        ),
      wallTimeSeconds: z.int().min(1).max(3600).default(30).describe('Wall-clock limit of one script run.'),
      cpuTimeSeconds: z.int().min(1).max(3600).default(10).describe('CPU-time limit of one script run.'),
      memory: quantity.default('256Mi').describe('Address-space limit of one script run (e.g. 256Mi).'),
      network: z
        .enum(['None', 'Allowlist'])
        .default('None')
        .describe('None: the script has only a loopback interface. Allowlist: egress only to egressAllowlist.'),
      egressAllowlist: z
        .array(egressRule)
        .max(64)
        .optional()
        .describe(
          'Destinations a script may reach when network is Allowlist: host:port or address:port ' +
            '(each name resolves only to its entry inside the sandbox). Entries without a port, *.domain ' +
            'and CIDR ranges cannot be enforced per script and make the worker refuse the handler at start.',
        ),
      readOnlyFilesystem: z.boolean().default(true).describe('Mount everything read-only except a private /tmp.'),
    })
    .strict()
    .describe('Limits of each sandboxed script run (python adapter).'),
  [
    {
      rule: "self.network == 'Allowlist' || !has(self.egressAllowlist) || size(self.egressAllowlist) == 0",
      message: 'egressAllowlist is only allowed when network is Allowlist',
      fieldPath: '.egressAllowlist',
    },
    {
      rule: "self.network != 'Allowlist' || (has(self.egressAllowlist) && size(self.egressAllowlist) > 0)",
      message: 'network Allowlist needs at least one egressAllowlist entry',
      fieldPath: '.network',
    },
    {
      rule: 'self.cpuTimeSeconds <= self.wallTimeSeconds',
      message: 'cpuTimeSeconds must not exceed wallTimeSeconds',
      fieldPath: '.cpuTimeSeconds',
    },
  ],
);

const podSecurity = z
  .object({
    runAsNonRoot: z.boolean().default(true).describe('Containers must run as a non-root user.'),
    readOnlyRootFilesystem: z.boolean().default(true).describe("Mount the container's root filesystem read-only."),
    dropAllCapabilities: z.boolean().default(true).describe('Drop every Linux capability.'),
    seccompProfile: z
      .enum(['RuntimeDefault', 'Unconfined'])
      .default('RuntimeDefault')
      .describe("Seccomp profile of worker containers; RuntimeDefault is the container runtime's filter."),
    runtimeClassName: z
      .string()
      .max(253)
      .optional()
      .describe('RuntimeClass for worker and script pods (e.g. gvisor) where the cluster offers one.'),
  })
  .strict()
  .describe('Pod security settings applied to every worker pod under this policy.');

export const sandboxPolicySpec = z
  .object({
    allowedTaskTypes: listSet(
      z
        .array(taskTypeGlob)
        .min(1)
        .max(256)
        .describe(
          'Job types (globs: * any run, ? one character, [a-z] or [!a-z] a class of characters and ascending ' +
            'ranges within a-z, A-Z or 0-9) that processes and worker pools under this policy may use. ' +
            'A process with any other job type is not deployed.',
        ),
    ),
    resources: resourceRequirements
      .optional()
      .describe('Default and maximum container resources of worker pods under this policy.'),
    egressAllowlist: z
      .array(egressRule)
      .max(64)
      .optional()
      .describe(
        "Where the pool's http, smtp and ai handlers may connect: hosts (exact or *.domain), host:port " +
          'pairs or CIDRs. The worker checks the resolved address before it connects; unset allows any. ' +
          'Scripts are bounded by script.network instead.',
      ),
    script: scriptLimits.prefault({}),
    podSecurity: podSecurity.prefault({}),
  })
  .strict()
  .describe('Limits, isolation and the job types a WorkerPool or ProcOSProcess may use.');

/** status lists at most this many dependents of each kind (the count is exact). */
export const MAX_LISTED_DEPENDENTS = 100;

const dependents = (kind: string) =>
  z
    .array(objectName)
    .max(MAX_LISTED_DEPENDENTS)
    .describe(`${kind}s in this namespace that reference this policy (the first ${MAX_LISTED_DEPENDENTS}, sorted).`);

export const sandboxPolicyStatus = z
  .object({
    observedGeneration: observedGeneration.optional(),
    conditions: conditions.optional(),
    workerPools: listSet(dependents('WorkerPool')).optional(),
    workerPoolCount: z.int().min(0).optional().describe('How many WorkerPools reference this policy.'),
    processes: listSet(dependents('ProcOSProcess')).optional(),
    processCount: z.int().min(0).optional().describe('How many ProcOSProcesses reference this policy.'),
  })
  .strict();

export const sandboxPolicy = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('SandboxPolicy'),
  metadata: objectMeta,
  spec: sandboxPolicySpec,
  status: sandboxPolicyStatus.optional(),
});

export type SandboxPolicy = z.infer<typeof sandboxPolicy>;
export type SandboxPolicySpec = z.infer<typeof sandboxPolicySpec>;
