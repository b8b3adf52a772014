// The search requests of Camunda's v2 API (filter, sort, page) over what the engine holds in
// memory. Filter properties are Camunda's: a plain value means equals, an object holds
// operators ($eq, $neq, $exists, $in, $notIn, $like, $gt, $gte, $lt, $lte). A filter field this
// engine cannot answer is a 400 naming it, never silently ignored.
import { z } from 'zod';
import { badRequest } from './problems.js';

export type FieldKind = 'string' | 'key' | 'integer' | 'date' | 'boolean' | 'enum';

export interface Field<T> {
  kind: FieldKind;
  get(item: T): unknown;
}

export interface SearchSpec<T> {
  /** What the filter and sort may name; each reads one property of an item. */
  fields: Record<string, Field<T>>;
  /** Order when the request gives none (Camunda sorts by key). */
  defaultSort: string;
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const operators = z
  .object({
    $eq: scalar.optional(),
    $neq: scalar.optional(),
    $exists: z.boolean().optional(),
    $in: z.array(scalar).optional(),
    $notIn: z.array(scalar).optional(),
    $like: z.string().optional(),
    $gt: scalar.optional(),
    $gte: scalar.optional(),
    $lt: scalar.optional(),
    $lte: scalar.optional(),
  })
  .strict();
type Operators = z.infer<typeof operators>;

export const SearchQuery = z
  .object({
    filter: z.record(z.string(), z.unknown()).optional(),
    sort: z
      .array(z.object({ field: z.string(), order: z.enum(['ASC', 'DESC', 'asc', 'desc']).optional() }).strict())
      .optional(),
    page: z
      .object({
        from: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(10_000).optional(),
        after: z.string().optional(),
        before: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export interface SearchResult<V> {
  items: V[];
  page: { totalItems: number; hasMoreTotalItems: boolean; startCursor?: string; endCursor?: string };
}

const DEFAULT_LIMIT = 100;

/** Comparable form of a value: keys and integers as numbers, dates as epoch ms. */
function comparable(kind: FieldKind, v: unknown): string | number | boolean | undefined {
  if (v === undefined || v === null) return undefined;
  const text =
    typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  if (kind === 'key' || kind === 'integer') return Number(text);
  if (kind === 'date') return Date.parse(text);
  if (kind === 'boolean') return text === 'true';
  return text;
}

function likeRegExp(pattern: string): RegExp {
  // Camunda's $like: * any characters, ? one character; a backslash escapes either.
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '\\' && i + 1 < pattern.length) source += (pattern[++i] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function matchesOperators(kind: FieldKind, value: unknown, op: Operators): boolean {
  const v = comparable(kind, value);
  const c = (x: unknown): string | number | boolean | undefined => comparable(kind, x);
  if (op.$exists !== undefined && (v !== undefined) !== op.$exists) return false;
  if (op.$eq !== undefined && v !== c(op.$eq)) return false;
  if (op.$neq !== undefined && v === c(op.$neq)) return false;
  if (op.$in && !op.$in.some((x) => c(x) === v)) return false;
  if (op.$notIn?.some((x) => c(x) === v)) return false;
  if (op.$like !== undefined && (v === undefined || !likeRegExp(op.$like).test(String(v)))) return false;
  const cmp = (bound: unknown, ok: (a: number | string, b: number | string) => boolean): boolean => {
    const b = c(bound);
    return v !== undefined && b !== undefined && typeof v !== 'boolean' && typeof b !== 'boolean' && ok(v, b);
  };
  if (op.$gt !== undefined && !cmp(op.$gt, (a, b) => a > b)) return false;
  if (op.$gte !== undefined && !cmp(op.$gte, (a, b) => a >= b)) return false;
  if (op.$lt !== undefined && !cmp(op.$lt, (a, b) => a < b)) return false;
  if (op.$lte !== undefined && !cmp(op.$lte, (a, b) => a <= b)) return false;
  return true;
}

/** One filter property: a plain value (equals) or operators. */
export function fieldMatcher(name: string, kind: FieldKind, property: unknown): (value: unknown) => boolean {
  if (property === null || typeof property !== 'object') {
    const parsed = scalar.safeParse(property);
    if (!parsed.success)
      throw badRequest(`Property 'filter.${name}' is invalid: expected a value or an object of operators`);
    const expected = comparable(kind, parsed.data);
    return (value) => comparable(kind, value) === expected;
  }
  const parsed = operators.safeParse(property);
  if (!parsed.success)
    throw badRequest(`Property 'filter.${name}' is invalid: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return (value) => matchesOperators(kind, value, parsed.data);
}

const encodeCursor = (index: number): string => Buffer.from(JSON.stringify({ i: index })).toString('base64url');
function decodeCursor(cursor: string): number {
  try {
    const { i } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { i?: unknown };
    if (typeof i === 'number' && Number.isInteger(i) && i >= 0) return i;
  } catch {
    // answered below
  }
  throw badRequest(`Property 'page' is invalid: '${cursor}' is not a cursor of this engine`);
}

/**
 * Filters, sorts and pages `items`. `extra` filters fields that are not plain properties
 * (e.g. a process instance's variables); it returns undefined for fields it does not know.
 */
export function search<T, V>(
  spec: SearchSpec<T>,
  all: Iterable<T>,
  body: unknown,
  view: (item: T) => V,
  extra?: (name: string, property: unknown) => ((item: T) => boolean) | undefined,
): SearchResult<V> {
  const query = SearchQuery.parse(body ?? {});
  const tests: ((item: T) => boolean)[] = [];
  for (const [name, property] of Object.entries(query.filter ?? {})) {
    if (property === undefined) continue;
    const special = extra?.(name, property);
    if (special) {
      tests.push(special);
      continue;
    }
    const field = spec.fields[name];
    if (!field)
      throw badRequest(
        `Property 'filter.${name}' is not supported by procos-engine; filter by ${Object.keys(spec.fields).join(', ')}`,
      );
    const match = fieldMatcher(name, field.kind, property);
    // A list property (a user task's candidate groups) matches when one of its values does.
    tests.push((item) => {
      const value = field.get(item);
      return Array.isArray(value) ? value.some(match) : match(value);
    });
  }
  const sorts = (query.sort?.length ? query.sort : [{ field: spec.defaultSort, order: 'ASC' as const }]).map((s) => {
    const field = spec.fields[s.field];
    if (!field) throw badRequest(`Property 'sort.field' is invalid: cannot sort by '${s.field}'`);
    return { field, sign: s.order?.toUpperCase() === 'DESC' ? -1 : 1 };
  });
  const matching = [...all].filter((item) => tests.every((t) => t(item)));
  matching.sort((a, b) => {
    for (const { field, sign } of sorts) {
      const x = comparable(field.kind, field.get(a));
      const y = comparable(field.kind, field.get(b));
      if (x === y) continue;
      if (x === undefined) return sign; // missing values last
      if (y === undefined) return -sign;
      return (x < y ? -1 : 1) * sign;
    }
    return 0;
  });
  const limit = query.page?.limit ?? DEFAULT_LIMIT;
  let start = query.page?.from ?? 0;
  if (query.page?.after !== undefined) start = decodeCursor(query.page.after) + 1;
  if (query.page?.before !== undefined) start = Math.max(0, decodeCursor(query.page.before) - limit);
  const end = query.page?.before !== undefined ? decodeCursor(query.page.before) : start + limit;
  const page = matching.slice(start, Math.min(end, start + limit));
  return {
    items: page.map(view),
    page: {
      totalItems: matching.length,
      hasMoreTotalItems: false,
      ...(page.length ? { startCursor: encodeCursor(start), endCursor: encodeCursor(start + page.length - 1) } : {}),
    },
  };
}
