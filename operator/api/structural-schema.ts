// Turns zod's JSON Schema output into a Kubernetes *structural* OpenAPI v3 schema
// (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema):
// every node has a type, no additionalProperties next to properties, int-or-string in the
// controller-gen shape, free-form objects marked x-kubernetes-preserve-unknown-fields.
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/** Bounds zod adds to every z.int(); they mean "safe integer", not a user-facing limit. */
const SAFE_INT = Number.MAX_SAFE_INTEGER;

export function toStructuralSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'throw' }) as JsonSchema;
  delete json.$schema;
  return structural(json, '');
}

function structural(node: JsonSchema, path: string): JsonSchema {
  if (Array.isArray(node.anyOf)) return intOrString(node, path);
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    switch (key) {
      case 'properties':
        out.properties = Object.fromEntries(
          Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [
            name,
            structural(child, `${path}.${name}`),
          ]),
        );
        break;
      case 'items':
        out.items = structural(value as JsonSchema, `${path}[]`);
        break;
      case 'additionalProperties':
        if (value === false) break; // pruning already drops unknown fields
        if (isEmptySchema(value)) out['x-kubernetes-preserve-unknown-fields'] = true;
        else out.additionalProperties = structural(value as JsonSchema, `${path}{}`);
        break;
      case 'minimum':
      case 'maximum':
        if (Math.abs(value as number) !== SAFE_INT) out[key] = value;
        break;
      default:
        out[key] = value;
    }
  }
  // The apiserver validates a default as written, CEL rules included, without applying the
  // nested defaults first: `default: {}` on `scaling` fails `self.min <= self.max`. Spell the
  // nested defaults out.
  if (isPlainObject(out.default) && out.properties)
    out.default = withNestedDefaults(out.properties as Record<string, JsonSchema>, out.default);
  // zod spells date-time as a long regex; the apiserver checks `format: date-time` itself.
  if (out.format === 'date-time') delete out.pattern;
  if (out.type === undefined) throw new Error(`schema at ${path || '<root>'} has no type; structural schemas need one`);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function withNestedDefaults(
  properties: Record<string, JsonSchema>,
  value: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  for (const [name, schema] of Object.entries(properties)) {
    if (out[name] === undefined && schema.default !== undefined) out[name] = structuredClone(schema.default);
  }
  return out;
}

function isEmptySchema(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/** z.union([z.int(), z.string().regex()]) → the shape controller-gen emits for resource.Quantity. */
function intOrString(node: JsonSchema, path: string): JsonSchema {
  const branches = node.anyOf as JsonSchema[];
  const types = branches.map((b) => b.type).sort();
  if (branches.length !== 2 || types[0] !== 'integer' || types[1] !== 'string') {
    throw new Error(`schema at ${path}: only int-or-string unions can be expressed in a structural schema`);
  }
  const stringBranch = branches.find((b) => b.type === 'string') ?? {};
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) if (key !== 'anyOf') out[key] = value;
  out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  if (stringBranch.pattern) out.pattern = stringBranch.pattern;
  out['x-kubernetes-int-or-string'] = true;
  return out;
}
