import { describe, expect, it } from 'vitest';
import {
  importedPackages,
  packageName,
  reachable,
  resolveLocation,
  splitPackages,
  type Lockfile,
} from './npm-packages.js';

// A small installed tree: app → a (→ b, nested c@2), llama → c@1 and an optional peer, dev tool d.
const lock: Lockfile = {
  packages: {
    'node_modules/a': { dependencies: { b: '^1', c: '^2' } },
    'node_modules/a/node_modules/c': { version: '2.0.0' },
    'node_modules/b': { optionalDependencies: { 'b-linux': '1', 'b-darwin': '1' } },
    'node_modules/b-linux': {},
    'node_modules/c': { version: '1.0.0' },
    'node_modules/@s/llama': {
      dependencies: { c: '^1', '@s/llama-bin': '1' },
      peerDependencies: { typescript: '*' },
      peerDependenciesMeta: { typescript: { optional: true } },
    },
    'node_modules/@s/llama-bin': {},
    'node_modules/typescript': { dev: true },
    'node_modules/d': { dev: true, dependencies: { typescript: '*' } },
  },
};

describe('npm dependency graph', () => {
  it('resolves like Node.js: the nearest node_modules first', () => {
    expect(resolveLocation(lock, 'node_modules/a', 'c')).toBe('node_modules/a/node_modules/c');
    expect(resolveLocation(lock, 'node_modules/@s/llama', 'c')).toBe('node_modules/c');
    expect(resolveLocation(lock, 'node_modules/a/node_modules/c', 'b')).toBe('node_modules/b');
    expect(resolveLocation(lock, '', 'nope')).toBeUndefined();
    expect(packageName('node_modules/a/node_modules/@s/llama')).toBe('@s/llama');
  });

  it('follows dependencies and installed optional ones, not optional peers', () => {
    expect([...reachable(lock, ['a'])].sort()).toEqual([
      'node_modules/a',
      'node_modules/a/node_modules/c',
      'node_modules/b',
      'node_modules/b-linux',
    ]);
    expect(reachable(lock, ['@s/llama']).has('node_modules/typescript')).toBe(false);
  });

  it('fails for a required dependency that is not installed', () => {
    const broken: Lockfile = { packages: { 'node_modules/x': { dependencies: { y: '1' } } } };
    expect(() => reachable(broken, ['x'])).toThrow(/node_modules\/x needs y, which is not installed/);
  });

  it('splits into shared, worker-only and unused', () => {
    const split = splitPackages(lock, { required: ['a'], optional: ['@s/llama', 'not-installed'] }, ['@s/llama']);
    expect(split.shared).toEqual([
      'node_modules/a',
      'node_modules/a/node_modules/c',
      'node_modules/b',
      'node_modules/b-linux',
    ]);
    expect(split.only).toEqual(['node_modules/@s/llama', 'node_modules/@s/llama-bin', 'node_modules/c']);
    expect(split.unused).toEqual(['node_modules/d', 'node_modules/typescript']);
  });

  it('puts a package both need in the shared part', () => {
    const split = splitPackages(lock, { required: ['a', 'c'], optional: ['@s/llama'] }, ['@s/llama']);
    expect(split.shared).toContain('node_modules/c');
    expect(split.only).not.toContain('node_modules/c');
  });

  it('fails for a required root that is not installed', () => {
    expect(() => splitPackages(lock, { required: ['missing'], optional: [] }, [])).toThrow(/missing is not installed/);
  });
});

describe('importedPackages', () => {
  it('finds the packages compiled code imports by name', () => {
    const files: Record<string, string> = {
      'a.js': [
        "import { z } from 'zod';",
        "import * as grpc from '@grpc/grpc-js';",
        "import './side-effect.js';",
        "import 'reflect-metadata';",
        "const m = await import('node-llama-cpp');",
        "const s = require('zeebe-bpmn-moddle/resources/zeebe.json');",
        "import { readFileSync } from 'node:fs';",
        "export { x } from './x.js';",
        "const text = 'taken from the config'; // read from 'words' in a comment",
        "  export { y } from '@scope/pkg/sub/path.js';",
      ].join('\n'),
    };
    expect(importedPackages(Object.keys(files), (f) => files[f]!)).toEqual([
      '@grpc/grpc-js',
      '@scope/pkg',
      'node-llama-cpp',
      'reflect-metadata',
      'zeebe-bpmn-moddle',
      'zod',
    ]);
  });
});
