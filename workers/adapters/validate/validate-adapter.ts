// validate: checks the job's variables (or one of them) against a JSON Schema (ajv, draft
// 2020-12 subset ajv supports, with formats). Violations are a business outcome the BPMN
// routes: BPMN error VALIDATION_FAILED whose message lists each violation with its path.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { z } from 'zod';
import { BpmnError, type ServiceAdapter } from '../service-adapter.js';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);

/** Compiled validators by schema text: one compile per distinct schema, not per job. */
const compiled = new Map<string, ValidateFunction>();

function compile(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let fn = compiled.get(key);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(key, fn);
  }
  return fn;
}

function compileError(schema: unknown): string | undefined {
  try {
    compile(schema as Record<string, unknown>);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export const validateConfig = z
  .object({
    schema: z
      .record(z.string(), z.unknown())
      .refine((s) => compileError(s) === undefined, {
        error: (issue) => `the JSON Schema does not compile: ${compileError(issue.input) ?? ''}`,
      })
      .describe('A JSON Schema the variables must satisfy.'),
    variable: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe('Validate only this variable (default: all the job variables as one object).'),
    errorCode: z
      .string()
      .min(1)
      .max(255)
      .default('VALIDATION_FAILED')
      .describe('BPMN error code thrown when the variables do not match.'),
  })
  .strict();

export type ValidateConfig = z.infer<typeof validateConfig>;

/** `/order/amount: must be >= 0` — the path the user can look for, then ajv's words. */
function describeError(e: ErrorObject): string {
  const path = e.instancePath || '(root)';
  const extra = e.keyword === 'additionalProperties' ? ` ('${String(e.params.additionalProperty)}')` : '';
  return `${path}: ${e.message ?? e.keyword}${extra}`;
}

export const validateAdapter: ServiceAdapter<ValidateConfig> = {
  name: 'validate',
  summary: 'a JSON Schema over the variables; violations throw VALIDATION_FAILED listing each path',
  configSchema: validateConfig,
  fetchVariables: (config) => (config.variable === undefined ? undefined : [config.variable]),
  execute(variables, config) {
    const subject = config.variable === undefined ? variables : variables[config.variable];
    const check = compile(config.schema);
    if (check(subject)) return Promise.resolve({});
    const violations = (check.errors ?? []).map(describeError);
    return Promise.reject(
      new BpmnError(
        config.errorCode,
        `${config.variable ? `variable '${config.variable}'` : 'the variables'} do not match the schema: ${violations.join('; ')}`,
      ),
    );
  },
};
