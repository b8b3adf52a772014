// What the apiserver does with a CRD's openAPIV3Schema, reproduced for unit tests:
// defaulting, then every x-kubernetes-validations rule evaluated where it sits.
import { evaluateCelRule, type CelRule } from '../cel-rules.js';
import type { JsonSchema } from '../structural-schema.js';

export function applyDefaults(schema: JsonSchema, value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = schema.items as JsonSchema | undefined;
    return items ? value.map((v) => applyDefaults(items, v)) : value;
  }
  if (value === null || typeof value !== 'object') return value;
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [name, child] of Object.entries(props)) {
    if (out[name] === undefined && child.default !== undefined) out[name] = structuredClone(child.default);
    if (out[name] !== undefined) out[name] = applyDefaults(child, out[name]);
  }
  return out;
}

export interface CelResult {
  /** Path of the object the rule sits on: spec.scaling */
  path: string;
  rule: CelRule;
  ok: boolean;
}

/** Evaluates every CEL rule of the schema against the (already defaulted) value. */
export function evaluateAllCelRules(schema: JsonSchema, value: unknown, path = ''): CelResult[] {
  if (value === undefined) return [];
  const results: CelResult[] = ((schema['x-kubernetes-validations'] ?? []) as CelRule[]).map((rule) => ({
    path,
    rule,
    ok: evaluateCelRule(rule.rule, value),
  }));
  if (Array.isArray(value) && schema.items) {
    value.forEach((v, i) => results.push(...evaluateAllCelRules(schema.items as JsonSchema, v, `${path}[${i}]`)));
  } else if (value !== null && typeof value === 'object' && schema.properties) {
    for (const [name, child] of Object.entries(schema.properties as Record<string, JsonSchema>)) {
      const v = (value as Record<string, unknown>)[name];
      results.push(...evaluateAllCelRules(child, v, path ? `${path}.${name}` : name));
    }
  }
  return results;
}
