// Which requests the system takes: a ConfigMap in the manifest folder (so a new type is a hot
// deploy like any other edit), key `request-types.yaml`: per type, the process that handles it
// and a JSON Schema for its payload. The ingress checks both before anything reaches the engine.
import { Ajv, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatIssues } from '../../../operator/api/index.js';

export const REQUEST_TYPES_CONFIGMAP = 'procos-requests';
export const REQUEST_TYPES_KEY = 'request-types.yaml';

const typeName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/, 'a request type is lower case letters, digits, "." and "-"');

const requestTypeSpec = z.strictObject({
  process: z
    .string()
    .min(1)
    .describe('bpmnProcessId of the process that handles the request (called by procos-request)'),
  description: z.string().optional(),
  payload: z.record(z.string(), z.unknown()).default({ type: 'object' }).describe('JSON Schema of the payload'),
});

const requestTypesFile = z.record(typeName, requestTypeSpec);

export interface RequestType {
  name: string;
  process: string;
  description?: string;
  validate: ValidateFunction;
}

export interface RequestTypes {
  types: Map<string, RequestType>;
  /** What is wrong with the file, if anything (the valid types still work). */
  problems: string[];
}

const ajv = new Ajv({ allErrors: true, strict: false });

export function parseRequestTypes(yaml: string | undefined): RequestTypes {
  const out: RequestTypes = { types: new Map(), problems: [] };
  if (yaml === undefined) {
    out.problems.push(
      `no ConfigMap ${REQUEST_TYPES_CONFIGMAP} with key ${REQUEST_TYPES_KEY}: no request type is accepted`,
    );
    return out;
  }
  let doc: unknown;
  try {
    doc = parseYaml(yaml);
  } catch (err) {
    out.problems.push(`${REQUEST_TYPES_KEY}: YAML: ${(err as Error).message}`);
    return out;
  }
  const parsed = requestTypesFile.safeParse(doc ?? {});
  if (!parsed.success) {
    out.problems.push(...formatIssues(parsed.error.issues).map((m) => `${REQUEST_TYPES_KEY}: ${m}`));
    return out;
  }
  for (const [name, spec] of Object.entries(parsed.data)) {
    try {
      out.types.set(name, {
        name,
        process: spec.process,
        description: spec.description,
        validate: ajv.compile(spec.payload),
      });
    } catch (err) {
      out.problems.push(`${REQUEST_TYPES_KEY}: ${name}.payload is not a valid JSON Schema: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Ajv's errors as "payload.prompt: must be string", one per problem. */
export function payloadProblems(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((e) => {
    const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const params = e.params as { missingProperty?: string; allowedValues?: unknown[]; additionalProperty?: string };
    const missing = e.keyword === 'required' ? `.${String(params.missingProperty)}` : '';
    const detail =
      e.keyword === 'enum'
        ? ` (${(params.allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')})`
        : e.keyword === 'additionalProperties'
          ? ` (${String(params.additionalProperty)})`
          : '';
    return `payload${path ? `.${path}` : ''}${missing}: ${e.message ?? e.keyword}${detail}`;
  });
}
