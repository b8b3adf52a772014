// Camunda's FEEL extension functions that feelin lacks (is defined, get or else, to json, …),
// injected through the evaluation context — feelin resolves names with spaces from the context.
import { randomUUID } from 'node:crypto';

type Fn = (...args: unknown[]) => unknown;

const isList = (v: unknown): v is unknown[] => Array.isArray(v);

export const CAMUNDA_BUILTINS: Record<string, Fn> = {
  'is defined': (value) => value !== undefined && value !== null,
  'get or else': (value, fallback) => value ?? fallback,
  'is empty': (value) => (isList(value) ? value.length === 0 : typeof value === 'string' ? value === '' : null),
  'is blank': (value) => (typeof value === 'string' ? value.trim() === '' : null),
  trim: (value) => (typeof value === 'string' ? value.trim() : null),
  uuid: () => randomUUID(),
  'to json': (value) => JSON.stringify(value ?? null),
  'from json': (value) => {
    if (typeof value !== 'string') return null;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return null;
    }
  },
  'duplicate values': (list) => (isList(list) ? [...new Set(list.filter((v, i) => list.indexOf(v) !== i))] : null),
  partition: (list, size) =>
    isList(list) && typeof size === 'number' && size > 0
      ? Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, i * size + size))
      : null,
  'random number': () => Math.random(),
  'to base64': (value) => (typeof value === 'string' ? Buffer.from(value).toString('base64') : null),
  'from base64': (value) => (typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : null),
};
