export { checkSandbox, type SandboxCheck, type SandboxTools } from './sandbox-check.js';
export { quantityBytes } from './memory-quantity.js';
export { unsupportedScriptPolicy, type ScriptLimits } from './script-policy.js';
export {
  DEFAULT_MAX_OUTPUT_BYTES,
  formatBytes,
  runSandboxed,
  stderrTailText,
  type SandboxFile,
  type SandboxResult,
  type SandboxRun,
} from './script-sandbox.js';
export {
  completeWith,
  EXACTLY_ONE_SOURCE,
  excerpt,
  pickInputs,
  ScriptJobs,
  scriptJobFields,
  throwIfFailed,
} from './script-job.js';
