// FEEL as Zeebe uses it: a value starting with "=" is an expression, anything else a literal.
// Evaluation problems become incidents, so results carry an error instead of throwing.
import { evaluate, parseExpression } from 'feelin';
import { CAMUNDA_BUILTINS } from './camunda-builtins.js';

export type Expression = { kind: 'static'; value: string } | { kind: 'feel'; source: string };

export function expressionOf(text: string): Expression {
  const trimmed = text.trim();
  return trimmed.startsWith('=') ? { kind: 'feel', source: trimmed.slice(1) } : { kind: 'static', value: text };
}

/** Returns the syntax error message, or undefined when the FEEL parses. */
export function feelSyntaxError(source: string): string | undefined {
  if (source.trim() === '') return 'empty expression';
  let at: number | undefined;
  const tree = parseExpression(source, CAMUNDA_BUILTINS, 'camunda');
  tree.iterate({
    enter(node) {
      if (node.type.isError && at === undefined) at = node.from;
      return at === undefined;
    },
  });
  return at === undefined ? undefined : `FEEL syntax error at position ${at + 1} of '${source}'`;
}

export type FeelResult = { ok: true; value: unknown } | { ok: false; error: string };

export function evaluateFeel(source: string, variables: Record<string, unknown>): FeelResult {
  try {
    const { value, warnings } = evaluate(source, { ...CAMUNDA_BUILTINS, ...variables }, 'camunda');
    const fatal = warnings.find(
      (w) => w.type === 'INVALID_TYPE' || w.type === 'NO_FUNCTION_FOUND' || w.type === 'FUNCTION_INVOCATION_FAILURE',
    );
    if (fatal) return { ok: false, error: `failed to evaluate expression '${source}': ${fatal.message}` };
    return { ok: true, value: toJsonValue(value) };
  } catch (err) {
    return {
      ok: false,
      error: `failed to evaluate expression '${source}': ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** Evaluates an Expression (static or FEEL) to a JSON value. */
export function evaluateExpression(expr: Expression, variables: Record<string, unknown>): FeelResult {
  return expr.kind === 'static' ? { ok: true, value: expr.value } : evaluateFeel(expr.source, variables);
}

/** FEEL temporal values (luxon-backed) become ISO strings, as Zeebe stores them. */
function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object') {
    const iso = (value as { iso?: unknown }).iso;
    if (typeof iso === 'string') return iso;
    if (value.constructor !== Object) return (value as { toString(): string }).toString();
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
  }
  if (typeof value === 'function') return null;
  return value;
}
