// FEEL expressions built once and invoked per evaluation. feelin builds an execution tree on
// every evaluate() — and resolving each variable name of it against its ~150 built-ins costs
// more than the evaluation itself — with no API to keep the tree (its maintainer declined to
// export one: nikku/feelin#67). FEEL itself has one: a function definition. So an expression
// is evaluated once as `function(a, b) (expression)` over the names it can use; the FEEL
// function feelin hands back holds the built tree, and each evaluation invokes it with the
// variables' values, which bind exactly as context entries of those names would.
//
// The parse depends on the context only through names with spaces (parse-cache.ts), so this
// path is taken only when the variables have none, and their names are plain identifiers that
// can be parameter names; everything else is evaluated the ordinary way.
import { evaluate, FeelFunction } from 'feelin';

type Outcome = ReturnType<typeof evaluate>;
type Warnings = Outcome['warnings'];

interface CompiledExpression {
  fn: (...args: unknown[]) => unknown;
  /** The array feelin adds this function's warnings to (it is the one of its build). */
  warnings: Warnings;
}

/** Enough for every expression of every deployed model; the oldest go first beyond it. */
const MAX_COMPILED = 10_000;
const compiled = new Map<string, CompiledExpression | null>();

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** FEEL's reserved words, which cannot name a parameter. */
const KEYWORDS = new Set([
  'true',
  'false',
  'null',
  'function',
  'external',
  'if',
  'then',
  'else',
  'for',
  'in',
  'return',
  'some',
  'every',
  'satisfies',
  'and',
  'or',
  'between',
  'instance',
  'of',
  'not',
]);

/** Whether variables of these names can be parameters of a compiled expression. */
export function compilableNames(names: readonly string[]): boolean {
  return names.every((n) => PLAIN_NAME.test(n) && !KEYWORDS.has(n));
}

/**
 * Evaluates `source` with `functions` (extension built-ins) in scope and the variables `names`
 * bound to `values`; undefined when the expression cannot be compiled (a syntax error, …): the
 * caller evaluates it the ordinary way, which reports it as it always did.
 */
export function evaluateCompiled(
  source: string,
  functions: Readonly<Record<string, unknown>>,
  names: readonly string[],
  values: readonly unknown[],
): Outcome | undefined {
  const key = `${names.join(',')}\u0000${source}`;
  let expression = compiled.get(key);
  if (expression === undefined) {
    expression = compile(source, functions, names);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value ?? '');
    compiled.set(key, expression);
  }
  if (expression === null) return undefined;
  expression.warnings.length = 0;
  const value = expression.fn(...values);
  return { value, warnings: [...expression.warnings] };
}

function compile(
  source: string,
  functions: Readonly<Record<string, unknown>>,
  names: readonly string[],
): CompiledExpression | null {
  try {
    // On lines of its own, so a trailing `// comment` in the source cannot swallow the `)`.
    const { value, warnings } = evaluate(`function(${names.join(', ')}) (\n${source}\n)`, { ...functions }, 'camunda');
    return value instanceof FeelFunction && warnings.length === 0 ? { fn: value.fn, warnings } : null;
  } catch {
    return null;
  }
}
