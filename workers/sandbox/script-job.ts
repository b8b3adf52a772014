// What the script adapters (python, compute) share: where the script comes from (inline or a
// file read at start), which variables go in, where the result goes, and the refusal at start
// when the policy or the machine cannot give the sandbox the policy asks for.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { AdapterEnvironment, JobContext } from '../adapters/service-adapter.js';
import { TransientError } from '../adapters/service-adapter.js';
import { checkSandbox, checkScriptEgress, type SandboxTools } from './sandbox-check.js';
import { checkPodRunner, podRunnerFromEnv, runInPod, type PodRunnerOptions } from './pod-runner.js';
import { unsupportedScriptPolicy, type ScriptLimits } from './script-policy.js';
import { DEFAULT_MAX_OUTPUT_BYTES, runSandboxed, type SandboxResult, type SandboxRun } from './script-sandbox.js';

export const scriptJobFields = {
  script: z
    .string()
    .min(1)
    .max(1024 * 1024)
    .optional()
    .describe('The script source, inline. Give either script or file.'),
  file: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe("Path of the script on the worker's filesystem, read once at start. Give either script or file."),
  inputs: z
    .array(z.string().min(1).max(255))
    .max(256)
    .optional()
    .describe("Variables the script gets (also the job's fetchVariables); unset: all of the job's variables."),
  resultVariable: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('Put the whole result object under this one variable instead of merging its fields.'),
  maxOutputBytes: z
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(DEFAULT_MAX_OUTPUT_BYTES)
    .describe('Bytes of stdout (and of stderr) beyond which the run is killed and the job fails.'),
};

export const EXACTLY_ONE_SOURCE = {
  check: (c: { script?: string | undefined; file?: string | undefined }) =>
    (c.script === undefined) !== (c.file === undefined),
  message: 'give exactly one of script (inline source) or file (a path read at start)',
};

interface ScriptJobConfig {
  script?: string | undefined;
  file?: string | undefined;
  inputs?: string[] | undefined;
  resultVariable?: string | undefined;
}

/** One per adapter instance: the sandbox PATH it checks, and the files it read at start. */
export class ScriptJobs {
  private readonly files = new Map<string, string>();

  constructor(
    private readonly adapter: string,
    /** Where bwrap, setpriv and prlimit are looked up; the worker's PATH unless a test says otherwise. */
    private readonly sandboxPath?: string,
  ) {}

  private pods?: Promise<PodRunnerOptions>;

  /** Refuses (throws) when the policy or this machine cannot sandbox the script, or its file is missing. */
  async start(config: ScriptJobConfig, env: AdapterEnvironment): Promise<void> {
    const policyProblem = unsupportedScriptPolicy(env.policy.script);
    if (policyProblem) throw new Error(`${this.adapter}: ${policyProblem}`);
    if (env.policy.script.isolation === 'Pod') {
      await this.ready(env.policy.script);
      if (config.file !== undefined) this.readFile(config.file);
      return;
    }
    const tools = await this.tools();
    if (env.policy.script.network === 'Allowlist') {
      const egressProblem = await checkScriptEgress(tools);
      if (egressProblem) throw new Error(`${this.adapter}: ${egressProblem}`);
    }
    if (config.file !== undefined) this.readFile(config.file);
  }

  /** Runs one script as the policy says: in bubblewrap here (Process) or as a pod of its own (Pod). */
  async run(limits: ScriptLimits, run: SandboxRun): Promise<SandboxResult> {
    if (limits.isolation === 'Pod') return runInPod(await this.podRunner(), limits, run);
    return runSandboxed(await this.tools(), limits, run);
  }

  /** Throws the reason scripts cannot run under LIMITS here (health checks and start). */
  async ready(limits: ScriptLimits): Promise<void> {
    if (limits.isolation !== 'Pod') {
      await this.tools();
      return;
    }
    const problem = await checkPodRunner(await this.podRunner());
    if (problem) throw new Error(`${this.adapter}: ${problem}`);
  }

  private podRunner(): Promise<PodRunnerOptions> {
    this.pods ??= podRunnerFromEnv();
    return this.pods;
  }

  /** The sandbox tools, or an error with the reason scripts cannot run here. */
  async tools(): Promise<SandboxTools> {
    const check = await checkSandbox(this.sandboxPath);
    if (!check.ok) throw new Error(`${this.adapter}: ${check.reason}`);
    return check.tools;
  }

  source(config: ScriptJobConfig): string {
    if (config.script !== undefined) return config.script;
    return this.files.get(config.file ?? '') ?? this.readFile(config.file ?? '');
  }

  private readFile(path: string): string {
    try {
      const text = readFileSync(path, 'utf8');
      this.files.set(path, text);
      return text;
    } catch (err) {
      throw new Error(
        `${this.adapter}: cannot read the script file '${path}' (config.file): ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }
}

/** The variables the script gets: those named in inputs (when present in the job), else all. */
export function pickInputs(variables: Record<string, unknown>, inputs: string[] | undefined): Record<string, unknown> {
  if (!inputs) return variables;
  return Object.fromEntries(inputs.filter((n) => n in variables).map((n) => [n, variables[n]]));
}

export function completeWith(
  result: Record<string, unknown>,
  resultVariable: string | undefined,
): Record<string, unknown> {
  return resultVariable ? { [resultVariable]: result } : result;
}

/** Throws the error a failed run ends the job with; an abort is retried, the rest are incidents. */
export function throwIfFailed(adapter: string, result: SandboxResult, context: JobContext): void {
  if (!result.failure) return;
  const message = `${adapter}: ${result.failure.message}`;
  context.log.info({ failure: result.failure.kind }, message);
  if (result.failure.kind === 'aborted') throw new TransientError(message);
  throw new Error(message);
}

/** An excerpt of what a script printed, for messages. */
export function excerpt(text: string, max = 300): string {
  const t = text.trim();
  if (!t) return '(nothing)';
  return JSON.stringify(t.length > max ? `${t.slice(0, max)}…` : t);
}
