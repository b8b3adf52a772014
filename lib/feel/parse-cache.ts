// feelin parses an expression on every evaluation (the parse is ~half of its cost, and FEEL was
// the engine's largest hot spot per job — issue 14). Its parser is lezer-feel's `parser`
// singleton, configured per call with a context tracker; lezer trees are immutable, so a tree
// can serve every later evaluation of the same source — provided the context gives the same
// names with spaces, the only thing the tracker makes the parse depend on. This module keeps
// parsed trees per (source, such names) and hands them to feelin through that singleton.
import type { Tree } from '@lezer/common';
import { parser } from 'lezer-feel';

/** Enough for every expression of every deployed model; the oldest go first beyond it. */
const MAX_TREES = 10_000;
/** How many object keys the shape check may visit; a bigger context is parsed each time. */
const MAX_KEYS_VISITED = 500;

const trees = new Map<string, Tree>();
let current: string | undefined;

type Configure = typeof parser.configure;
type Configured = ReturnType<Configure>;
const configure: Configure = parser.configure.bind(parser);

/** What feelin uses of a configured parser: parse() only. */
function cachedParser(config: Parameters<Configure>[0], key: string): Pick<Configured, 'parse'> {
  return {
    parse(input) {
      let tree = trees.get(key);
      if (!tree) {
        tree = configure(config).parse(input);
        if (trees.size >= MAX_TREES) trees.delete(trees.keys().next().value ?? '');
        trees.set(key, tree);
      }
      return tree;
    },
  };
}

// While withParseCache runs, a configured parser's parse() is answered from the cache.
Object.assign(parser, {
  configure: (config: Parameters<Configure>[0]) =>
    current === undefined ? configure(config) : cachedParser(config, current),
});

/**
 * The names with spaces a context gives (keys at any depth of its plain objects and lists), as
 * a cache key part; undefined when the context is too big to look through cheaply. A list of
 * values gives the names with spaces inside them.
 */
export function parseShape(context: Record<string, unknown> | readonly unknown[]): string | undefined {
  const spaced: string[] = [];
  let visited = 0;
  const visit = (value: unknown): boolean => {
    if (Array.isArray(value)) return value.every(visit);
    if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return true;
    for (const [k, v] of Object.entries(value)) {
      if (++visited > MAX_KEYS_VISITED) return false;
      if (/\s/.test(k)) spaced.push(k);
      if (!visit(v)) return false;
    }
    return true;
  };
  if (!visit(context)) return undefined;
  return spaced.sort().join('\n');
}

/** Runs `evaluate` with parse trees cached for `source` in contexts of this shape. */
export function withParseCache<T>(source: string, shape: string | undefined, evaluate: () => T): T {
  if (shape === undefined) return evaluate();
  current = `${shape}\u0000${source}`;
  try {
    return evaluate();
  } finally {
    current = undefined;
  }
}
