// python: runs a Python script per job in the script sandbox (workers/sandbox) under the pool's
// SandboxPolicy `script` limits. The job's variables arrive as one JSON object on stdin; the
// script prints one JSON object on stdout, the variables the job completes with. Printing
// {"bpmnError": {"code": "…", "message": "…"}} instead throws that BPMN error.
import { z } from 'zod';
import {
  completeWith,
  EXACTLY_ONE_SOURCE,
  excerpt,
  pickInputs,
  ScriptJobs,
  scriptJobFields,
  throwIfFailed,
} from '../../sandbox/index.js';
import { BpmnError, type ServiceAdapter } from '../service-adapter.js';

export const pythonConfig = z
  .object({
    ...scriptJobFields,
    python: z
      .string()
      .regex(/^\/usr\//, { message: 'must be an absolute path under /usr (the sandbox binds only /usr)' })
      .default('/usr/bin/python3')
      .describe('The Python interpreter inside the sandbox; the Debian one by default (PATH may hold a pyenv shim).'),
  })
  .strict()
  .refine(EXACTLY_ONE_SOURCE.check, { message: EXACTLY_ONE_SOURCE.message });

export type PythonConfig = z.infer<typeof pythonConfig>;

const bpmnErrorShape = z.object({
  bpmnError: z.object({ code: z.string().min(1), message: z.string().optional() }).strict(),
});

export function createPythonAdapter(o: { sandboxPath?: string } = {}): ServiceAdapter<PythonConfig> {
  const jobs = new ScriptJobs('python', o.sandboxPath);
  return {
    name: 'python',
    summary: 'a Python script in a bubblewrap sandbox: variables as JSON on stdin, result as JSON on stdout',
    configSchema: pythonConfig,
    async start(config, env) {
      await jobs.start(config, env);
    },
    async healthCheck(_config, env) {
      await jobs.ready(env.policy.script);
    },
    fetchVariables: (config) => config.inputs,
    async execute(variables, config, context) {
      const result = await jobs.run(context.policy.script, {
        // -I: no PYTHON* variables, no user site; Debian's dist-packages (python3-numpy…) stay usable.
        argv: [config.python, '-I', '/tmp/job/main.py'],
        files: [{ name: 'main.py', content: jobs.source(config) }],
        stdin: JSON.stringify(pickInputs(variables, config.inputs)),
        maxOutputBytes: config.maxOutputBytes,
        signal: context.signal,
        log: context.log,
        outOfMemory: (stderr) => /^MemoryError/m.test(stderr),
      });
      throwIfFailed('python', result, context);
      const printed = parseResult(result.stdout);
      const bpmn = bpmnErrorShape.safeParse(printed);
      if (bpmn.success) throw new BpmnError(bpmn.data.bpmnError.code, bpmn.data.bpmnError.message ?? '');
      return completeWith(printed, config.resultVariable);
    },
  };
}

function parseResult(stdout: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    throw new Error(
      `python: the script must print one JSON object on stdout (debug output goes to stderr); it printed ${excerpt(stdout)}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(
      `python: the script must print one JSON object on stdout; it printed ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}: ${excerpt(stdout)}`,
    );
  return value as Record<string, unknown>;
}

export const pythonAdapter = createPythonAdapter();
