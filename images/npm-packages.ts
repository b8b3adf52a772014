// The npm packages for the images: `npm ci --ignore-scripts` of the project's package.json and
// package-lock.json into a staging folder in the tool cache, keyed by the lockfile's sha256 (a
// second build with the same lockfile installs nothing). Which installed package goes into which
// layer, if any, follows from the dependency graph npm recorded, from the packages the runtime
// needs: dependencies, optionalDependencies, and whatever the compiled code imports.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** One installed package of npm's lockfile (`packages` of lockfileVersion 2/3). */
export interface LockedPackage {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optional?: boolean;
  dev?: boolean;
}

export interface Lockfile {
  packages: Record<string, LockedPackage>;
}

/** The folder a location's packages live in: '' (the project) or 'node_modules/a/node_modules/@s/b'. */
function parentLocation(location: string): string | undefined {
  if (location === '') return undefined;
  const i = location.lastIndexOf('/node_modules/');
  return i < 0 ? '' : location.slice(0, i);
}

/** Where Node.js finds package `name` required from `from`: the nearest node_modules up the tree. */
export function resolveLocation(lock: Lockfile, from: string, name: string): string | undefined {
  for (let dir: string | undefined = from; dir !== undefined; dir = parentLocation(dir)) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (candidate in lock.packages) return candidate;
  }
  return undefined;
}

/** The package's own package name at a location (scoped names have a slash). */
export function packageName(location: string): string {
  return location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

/**
 * Locations reachable from the named root dependencies: dependencies, optional dependencies (those
 * installed) and required peer dependencies. Optional peers are left out: their dependent copes
 * without them (node-llama-cpp's typescript is one).
 */
export function reachable(lock: Lockfile, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (location: string): void => {
    if (seen.has(location)) return;
    seen.add(location);
    const pkg = lock.packages[location] ?? {};
    const peers = Object.keys(pkg.peerDependencies ?? {}).filter((p) => !pkg.peerDependenciesMeta?.[p]?.optional);
    const required = [...Object.keys(pkg.dependencies ?? {}), ...peers];
    for (const name of [...required, ...Object.keys(pkg.optionalDependencies ?? {})]) {
      const found = resolveLocation(lock, location, name);
      if (found) visit(found);
      else if (required.includes(name) && !(pkg.optionalDependencies ?? {})[name])
        throw new Error(`npm package ${location || 'the project'} needs ${name}, which is not installed`);
    }
  };
  for (const root of roots) {
    const found = resolveLocation(lock, '', root);
    if (!found) throw new Error(`npm package ${root} is not installed`);
    visit(found);
  }
  return seen;
}

/**
 * Splits the installed packages: `shared` are those the roots other than `only` reach; `only`
 * the rest of what `only` reaches; `unused` what no root reaches (dev tools, and optional peers
 * such as node-llama-cpp's typescript).
 */
export function splitPackages(
  lock: Lockfile,
  roots: { required: string[]; optional: string[] },
  only: string[],
): { shared: string[]; only: string[]; unused: string[] } {
  const installed = (name: string): boolean => `node_modules/${name}` in lock.packages;
  const all = [...roots.required, ...roots.optional.filter(installed)];
  const shared = reachable(
    lock,
    all.filter((r) => !only.includes(r)),
  );
  const extra = reachable(
    lock,
    only.filter((r) => all.includes(r)),
  );
  const locations = Object.keys(lock.packages).filter((l) => l !== '');
  return {
    shared: locations.filter((l) => shared.has(l)).sort(),
    only: locations.filter((l) => extra.has(l) && !shared.has(l)).sort(),
    unused: locations.filter((l) => !shared.has(l) && !extra.has(l)).sort(),
  };
}

/**
 * The packages compiled code imports by name (import/export … from 'x', import 'x', import('x'),
 * require('x')): node: builtins and relative paths left out. Reads tsc's output, which prints
 * each import declaration on one line.
 */
export function importedPackages(files: string[], read: (file: string) => string): string[] {
  const names = new Set<string>();
  const spec = `['"]([^'"\\s./][^'"\\s]*)['"]`;
  const pattern = new RegExp(
    [
      `^[ \\t]*(?:import|export)[ \\t][^'"\\n;]*?\\bfrom[ \\t]*${spec}`, // import x from 'p' / export … from 'p'
      `^[ \\t]*import[ \\t]*${spec}`, // import 'p'
      `\\b(?:import|require)[ \\t]*\\([ \\t]*${spec}[ \\t]*\\)`, // import('p'), require('p')
    ].join('|'),
    'gm',
  );
  for (const file of files)
    for (const m of read(file).matchAll(pattern)) {
      const name = m[1] ?? m[2] ?? m[3] ?? '';
      if (name.startsWith('node:')) continue;
      const parts = name.split('/');
      names.add(parts.slice(0, name.startsWith('@') ? 2 : 1).join('/'));
    }
  return [...names].sort();
}

const NPM_CI = ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];

export interface StagedInstall {
  /** The folder holding node_modules. */
  dir: string;
  /** npm's record of what it installed (node_modules/.package-lock.json). */
  lock: Lockfile;
  /** Whether this build installed it (false: reused from the cache). */
  installed: boolean;
}

/**
 * The project's lockfile installed as `make deps` installs it (npm ci, dev packages too, no
 * scripts), in `cacheDir/npm-<lockfile sha256>`, made once. The images take from it only what
 * the runtime reaches (splitPackages), so they get the very tree the tests ran against.
 */
export async function stagedInstall(options: {
  project: string;
  cacheDir: string;
  nodeHome: string;
}): Promise<StagedInstall> {
  const lockText = readFileSync(join(options.project, 'package-lock.json'));
  const key = createHash('sha256').update(NPM_CI.join(' ')).update('\0').update(lockText).digest('hex').slice(0, 32);
  const dir = join(options.cacheDir, `npm-${key}`);
  const hidden = join(dir, 'node_modules', '.package-lock.json');
  let installed = false;
  if (!existsSync(hidden)) {
    const tmp = `${dir}.partial-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    copyFileSync(join(options.project, 'package.json'), join(tmp, 'package.json'));
    copyFileSync(join(options.project, 'package-lock.json'), join(tmp, 'package-lock.json'));
    try {
      // No install scripts: better-sqlite3 and node-llama-cpp ship prebuilt binaries in their packages.
      // The machine's npm, run by the pinned Node.js first on PATH (as the Makefile does).
      await promisify(execFile)('npm', NPM_CI, {
        cwd: tmp,
        maxBuffer: 64 << 20,
        env: { ...process.env, PATH: `${join(options.nodeHome, 'bin')}:${process.env.PATH ?? ''}` },
      });
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`npm ci in ${tmp} failed: ${String((err as { stderr?: string }).stderr || err)}`);
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    installed = true;
  }
  return { dir, lock: JSON.parse(readFileSync(hidden, 'utf8')) as Lockfile, installed };
}
