// Camunda's FEEL extension functions that feelin lacks (is defined, get or else, to json, …),
// injected through the evaluation context — feelin resolves names with spaces from the context.
import { randomUUID } from 'node:crypto';

type Fn = ((...args: unknown[]) => unknown) & { $args?: string[] };

const isList = (v: unknown): v is unknown[] => Array.isArray(v);

/**
 * Names the parameters (FEEL-Scala's, for named invocation) in `$args`: feelin otherwise reads
 * them from the function's source, which a transpiler may rewrite (`value=>…` without
 * parentheses made every `is defined(x)` fail under tsx and vitest).
 */
function feel(params: string[], fn: Fn): Fn {
  fn.$args = params;
  return fn;
}

const BUILTINS: Record<string, [string[], Fn]> = {
  'is defined': [['value'], (value) => value !== undefined && value !== null],
  'get or else': [['value', 'default'], (value, fallback) => value ?? fallback],
  'is empty': [
    ['list'],
    (value) => (isList(value) ? value.length === 0 : typeof value === 'string' ? value === '' : null),
  ],
  'is blank': [['string'], (value) => (typeof value === 'string' ? value.trim() === '' : null)],
  trim: [['string'], (value) => (typeof value === 'string' ? value.trim() : null)],
  uuid: [[], () => randomUUID()],
  'to json': [['value'], (value) => JSON.stringify(value ?? null)],
  'from json': [
    ['value'],
    (value) => {
      if (typeof value !== 'string') return null;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return null;
      }
    },
  ],
  'duplicate values': [
    ['list'],
    (list) => (isList(list) ? [...new Set(list.filter((v, i) => list.indexOf(v) !== i))] : null),
  ],
  partition: [
    ['list', 'size'],
    (list, size) =>
      isList(list) && typeof size === 'number' && size > 0
        ? Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, i * size + size))
        : null,
  ],
  'random number': [[], () => Math.random()],
  'to base64': [['value'], (value) => (typeof value === 'string' ? Buffer.from(value).toString('base64') : null)],
  'from base64': [
    ['value'],
    (value) => (typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : null),
  ],
};

export const CAMUNDA_BUILTINS: Record<string, Fn> = Object.fromEntries(
  Object.entries(BUILTINS).map(([name, [params, fn]]) => [name, feel(params, fn)]),
);
