// The engine's modules import each other without cycles (issue 14): element behaviours reach
// one another only through Flow, so each can be read and changed on its own.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ENGINE = dirname(new URL(import.meta.url).pathname);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testdata' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Relative imports that load a module at run time (`import type` and type-only lists are erased). */
export function runtimeImports(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'(\.[^']+)'/gm)) {
    const [, , typeOnly, names = '', spec = ''] = m;
    if (typeOnly) continue;
    const list = /^\{([^}]*)\}$/.exec(names.trim())?.[1];
    if (list !== undefined && list.split(',').every((n) => n.trim() === '' || n.trim().startsWith('type '))) continue;
    out.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return out;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe('engine module graph', () => {
  it('has no import cycles among the engine modules', () => {
    const files = sourceFiles(ENGINE);
    const graph = new Map(
      files.map((f) => [f, runtimeImports(f, readFileSync(f, 'utf8')).filter((i) => i.startsWith(ENGINE))]),
    );
    expect(cycles(graph).map((c) => c.map((f) => relative(ENGINE, f)).join(' → '))).toEqual([]);
  });

  it('sees a cycle when there is one, and ignores type-only imports', () => {
    const a = '/x/a.ts';
    expect(runtimeImports(a, "import { b } from './b.js';\nimport type { C } from './c.js';")).toEqual(['/x/b.ts']);
    expect(runtimeImports(a, "import { type C, type D } from './c.js';")).toEqual([]);
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', ['a']],
        ]),
      ),
    ).toEqual([['a', 'b', 'a']]);
  });
});
