// Cross-field rules written once, in CEL, the language the Kubernetes apiserver evaluates for
// `x-kubernetes-validations`. The same rule text is attached to the generated CRD and evaluated
// here with cel-js, so the operator and CLI reject exactly what the apiserver rejects.
import { parse } from '@marcbachmann/cel-js';
import { z } from 'zod';

export interface CelRule {
  /** CEL expression over `self`; true means valid. */
  rule: string;
  /** Human message; the apiserver prefixes it with the field path. */
  message: string;
  /** Field the error points at, relative to the schema the rule sits on (`.scaling.min`). */
  fieldPath?: string;
  /** Kubernetes cause type reported by the apiserver (FieldValueInvalid by default). */
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export const CEL_RULES_KEY = 'x-kubernetes-validations';

/**
 * Converts a decoded JSON/YAML value into the values CEL sees on the apiserver: integral
 * numbers are CEL `int` (cel-js uses bigint), other numbers `double`.
 */
export function toCelValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCelValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCelValue(v)]));
  }
  return value;
}

/** Evaluates one rule against `self`; returns true when the value satisfies it. */
export function evaluateCelRule(rule: string, self: unknown): boolean {
  const result: unknown = compiled(rule)({ self: toCelValue(self) });
  if (typeof result !== 'boolean') {
    throw new Error(`CEL rule ${JSON.stringify(rule)} returned ${typeof result}, not bool`);
  }
  return result;
}

const compiledRules = new Map<string, ReturnType<typeof parse>>();
function compiled(rule: string): ReturnType<typeof parse> {
  let fn = compiledRules.get(rule);
  if (!fn) {
    fn = parse(rule);
    compiledRules.set(rule, fn);
  }
  return fn;
}

function pathOf(fieldPath: string | undefined): string[] {
  return fieldPath ? fieldPath.replace(/^\./, '').split('.') : [];
}

/**
 * Attaches CEL rules to an object schema: they are emitted into the CRD and checked by zod.
 */
export function withCelRules<T extends z.ZodType>(schema: T, rules: CelRule[]): T {
  const checked = schema.superRefine((value, ctx) => {
    for (const r of rules) {
      if (!evaluateCelRule(r.rule, value)) {
        ctx.addIssue({ code: 'custom', message: `${r.message} (rule: ${r.rule})`, path: pathOf(r.fieldPath) });
      }
    }
  });
  const existing = (schema.meta() ?? {}) as Record<string, unknown>;
  return checked.meta({ ...existing, [CEL_RULES_KEY]: rules });
}
