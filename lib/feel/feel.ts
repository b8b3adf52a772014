// FEEL as Zeebe uses it: a value starting with "=" is an expression, anything else a literal.
// Evaluation problems become incidents, so results carry an error instead of throwing.
import { evaluate, parseExpression } from 'feelin';
import { CAMUNDA_BUILTINS } from './camunda-builtins.js';
import { JAVA_REGEX_BUILTINS } from './java-regex.js';
import { compilableNames, evaluateCompiled } from './compiled.js';
import { parseShape, withParseCache } from './parse-cache.js';

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
    const { value, warnings } = evaluateWith(source, variables);
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

function evaluateWith(source: string, variables: Record<string, unknown>): ReturnType<typeof evaluate> {
  const names = Object.keys(variables).filter((name) => source.includes(name));
  const values = names.map((name) => variables[name]);
  if (compilableNames(names) && parseShape(values) === '') {
    const outcome = evaluateCompiled(source, functionsFor(source), names, values);
    if (outcome) return outcome;
  }
  const context = contextFor(source, variables);
  return withParseCache(source, parseShape(context), () => evaluate(source, context, 'camunda'));
}

/** Per source, as there are only as many as deployed models have; the oldest go beyond this. */
const MAX_SOURCES = 10_000;
const functionsBySource = new Map<string, Readonly<Record<string, unknown>>>();

/** The extension built-ins (Camunda's, Java's regex) the expression can mention. */
function functionsFor(source: string): Readonly<Record<string, unknown>> {
  let functions = functionsBySource.get(source);
  if (!functions) {
    const found: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(CAMUNDA_BUILTINS)) if (source.includes(name)) found[name] = fn;
    for (const [name, fn] of Object.entries(JAVA_REGEX_BUILTINS)) if (source.includes(name)) found[name] = fn;
    if (functionsBySource.size >= MAX_SOURCES) functionsBySource.delete(functionsBySource.keys().next().value ?? '');
    functionsBySource.set(source, (functions = found));
  }
  return functions;
}

/**
 * Only the names the expression can mention: feelin normalizes and deep-coerces every entry of
 * its context on every evaluation, so passing all visible variables (and all built-ins) costs
 * in proportion to the documents, not to the expression. FEEL has no way to reach a variable
 * whose name is not in its text, so the substring test keeps every name it could use.
 */
function contextFor(source: string, variables: Record<string, unknown>): Record<string, unknown> {
  const context = { ...functionsFor(source) };
  for (const [name, value] of Object.entries(variables)) if (source.includes(name)) context[name] = value;
  return context;
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
