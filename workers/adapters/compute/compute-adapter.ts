// compute: runs a Scilab script (Debian scilab-cli) per job in the script sandbox
// (workers/sandbox). The inputs become Scilab variables before the script runs; the variables
// named in `outputs` come back as JSON. Scilab errors fail the job with Scilab's message.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  completeWith,
  EXACTLY_ONE_SOURCE,
  excerpt,
  pickInputs,
  quantityBytes,
  ScriptJobs,
  scriptJobFields,
  stderrTailText,
  throwIfFailed,
} from '../../sandbox/index.js';
import { BpmnError, type ServiceAdapter } from '../service-adapter.js';
import { RESERVED_PREFIX, SCILAB_NAME, scilabInputs } from './scilab-inputs.js';
import { scilabOutputs } from './scilab-outputs.js';

/**
 * scilab-cli starts two threads with 128 MiB stacks of its own choosing; under a smaller
 * address-space limit thread creation fails and it hangs instead of exiting (seen with 6.1.1).
 */
export const SCILAB_MIN_MEMORY = '384Mi';

const scilabName = z
  .string()
  .regex(SCILAB_NAME, { message: 'must be a Scilab name: letters, digits and _, not starting with a digit' })
  .refine((n) => !n.startsWith(RESERVED_PREFIX), { message: `names starting with ${RESERVED_PREFIX} are reserved` });

export const computeConfig = z
  .object({
    ...scriptJobFields,
    inputs: z
      .array(scilabName)
      .max(256)
      .optional()
      .describe("Variables the script gets as Scilab variables (also the job's fetchVariables); unset: all."),
    outputs: z
      .array(scilabName)
      .min(1)
      .max(256)
      .describe(
        'Scilab variables returned as job variables after the script ran (numbers, booleans, strings, structs, lists).',
      ),
    scilab: z
      .string()
      .regex(/^\/usr\//, { message: 'must be an absolute path under /usr (the sandbox binds only /usr)' })
      .default('/usr/bin/scilab-cli')
      .describe('The Scilab command-line interpreter inside the sandbox.'),
  })
  .strict()
  .refine(EXACTLY_ONE_SOURCE.check, { message: EXACTLY_ONE_SOURCE.message });

export type ComputeConfig = z.infer<typeof computeConfig>;

export function createComputeAdapter(o: { sandboxPath?: string } = {}): ServiceAdapter<ComputeConfig> {
  const jobs = new ScriptJobs('compute', o.sandboxPath);
  return {
    name: 'compute',
    summary: 'a Scilab script (scilab-cli) in a bubblewrap sandbox: inputs as Scilab variables, outputs back as JSON',
    configSchema: computeConfig,
    async start(config, env) {
      const memory = env.policy.script.memory;
      if (quantityBytes(memory) < quantityBytes(SCILAB_MIN_MEMORY))
        throw new Error(
          `compute: SandboxPolicy script.memory is ${String(memory)}, but scilab-cli needs at least ${SCILAB_MIN_MEMORY} ` +
            'of address space (it reserves two 128 MiB thread stacks at start and hangs when it cannot); raise script.memory',
        );
      await jobs.start(config, env);
    },
    async healthCheck(_config, env) {
      await jobs.ready(env.policy.script);
    },
    fetchVariables: (config) => config.inputs,
    async execute(variables, config, context) {
      const marker = `${RESERVED_PREFIX}_result_${randomBytes(8).toString('hex')}:`;
      const main = [
        scilabInputs(pickInputs(variables, config.inputs)),
        // exec, not inlining: Scilab's error lines then count in the user's own script.
        'exec("/tmp/job/script.sce", -1);',
        scilabOutputs(config.outputs, marker),
      ].join('\n');
      const result = await jobs.run(context.policy.script, {
        argv: [config.scilab, '-nb', '-quit', '-f', '/tmp/job/main.sce'],
        files: [
          { name: 'main.sce', content: main },
          { name: 'script.sce', content: jobs.source(config) },
        ],
        maxOutputBytes: config.maxOutputBytes,
        signal: context.signal,
        log: context.log,
        outOfMemory: (stderr) => /Can ?not allocate|stack size exceeded/i.test(stderr),
      });
      if (result.failure?.kind === 'exit')
        throw new Error(
          `compute: Scilab error: ${scilabError(result.stderr)}${result.egressNote ? `; ${result.egressNote}` : ''}`,
        );
      throwIfFailed('compute', result, context);
      const line = result.stdout.split('\n').find((l) => l.startsWith(marker));
      if (line === undefined)
        throw new Error(
          `compute: the script ended without its outputs being read (did it call quit or exit?); stdout: ${excerpt(result.stdout)}`,
        );
      const printed = JSON.parse(line.slice(marker.length)) as Record<string, unknown>;
      const bpmn = printed.bpmnError;
      if (isBpmnError(bpmn)) throw new BpmnError(bpmn.code, bpmn.message ?? '');
      return completeWith(printed, config.resultVariable);
    },
  };
}

function isBpmnError(v: unknown): v is { code: string; message?: string } {
  return typeof v === 'object' && v !== null && typeof (v as { code?: unknown }).code === 'string';
}

/** Scilab's message without the lines that point into the generated wrapper. */
function scilabError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^at line\s+\d+ of (executed file \/tmp\/job\/main\.sce|function __procos)/.test(l))
    .map((l) => l.replace(/^at line\s+(\d+) of executed file \/tmp\/job\/script\.sce/, 'at line $1 of the script'));
  return stderrTailText(lines.join('\n')) || '(no message)';
}

export const computeAdapter = createComputeAdapter();
