// make plugin-archive: the archive krew installs kubectl-procos from, and its sha256 written into
// plugins/krew/procos.yaml. The archive holds exactly what the plugin loads — the compiled files
// its entry point imports (statically or dynamically), and the npm packages those import with
// their production dependencies — plus bin/, a package.json (the version, ESM) and the LICENSE.
// All of it is JavaScript, so one archive serves every platform krew lists (Node.js 22.19+ runs it).
//
//   npx tsx cli/kubectl/krew-archive.ts [--out DIR] [--manifest FILE]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot, VERSION } from '../../lib/cli/version.js';
import { tarGz, type TarEntry } from './tar-gz.js';

const root = projectRoot();
const ENTRY = 'dist/cli/kubectl-procos.js';
const BIN = ['bin/kubectl-procos.js', 'bin/node-version.js', 'bin/kubectl_complete-procos'];
/**
 * Optional dependencies loaded only on Windows, which the manifest does not ship to (the plugin's
 * entry is a Node.js script with a shebang): @camunda8/sdk requires win-ca (Windows' certificate
 * store, native code) only when process.platform is win32.
 */
const WINDOWS_ONLY = new Set(['win-ca']);
/** Fixed, so the same sources give the same archive and sha256. */
const MTIME = 0;

const SPECIFIERS = [
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g,
  /(?:^|[\s;])import\s*['"]([^'"]+)['"]/g,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  // createRequire's require (JSON resources of CommonJS packages).
  /\brequire(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/g,
];
/** Never loaded at run time: type declarations, source maps, TypeScript sources. */
const NOT_RUN = /\.(d\.[cm]?ts|[cm]?ts|map)$/;

function specifiers(code: string): string[] {
  // Comments can name imports that do not exist; compiled code keeps them.
  const stripped = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return SPECIFIERS.flatMap((re) => [...stripped.matchAll(re)].map((m) => m[1] ?? ''));
}

const packageName = (spec: string): string =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);

/** Node's lookup of a package from a folder: node_modules here, then in every parent. */
function findPackage(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The compiled files the entry point loads, and the packages they import. */
function compiledClosure(): { files: string[]; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [join(root, ENTRY)];
  for (let file = queue.pop(); file; file = queue.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (isBuiltin(spec)) continue;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!existsSync(target)) throw new Error(`${relative(root, file)} imports ${spec}, which is not in dist/`);
        queue.push(target);
        continue;
      }
      const pkg = findPackage(packageName(spec), dirname(file));
      if (!pkg) throw new Error(`${relative(root, file)} imports ${spec}, which is not installed (npm ci)`);
      packages.add(pkg);
    }
  }
  return { files: [...files], packages };
}

/** Packages with their production dependencies, as installed (each resolved from its own folder). */
function packageClosure(direct: Set<string>): string[] {
  const all = new Set<string>();
  const queue = [...direct];
  for (let pkg = queue.pop(); pkg; pkg = queue.pop()) {
    if (all.has(pkg)) continue;
    all.add(pkg);
    const json = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    const deps = { ...json.dependencies, ...json.optionalDependencies, ...json.peerDependencies };
    for (const dep of Object.keys(deps)) {
      if (WINDOWS_ONLY.has(dep)) continue;
      const found = findPackage(dep, pkg);
      if (found) queue.push(found);
      else if (json.dependencies?.[dep]) throw new Error(`${relative(root, pkg)} needs ${dep}, which is not installed`);
    }
  }
  return [...all].sort();
}

/** Every file of a package folder, without the packages nested in it (they come in on their own). */
function packageFiles(pkg: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) {
        if (name !== 'node_modules') walk(path);
      } else if (stat.isFile() && !NOT_RUN.test(name)) out.push(path);
    }
  };
  walk(pkg);
  return out;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(root, 'dist/plugin') },
      manifest: { type: 'string', default: join(root, 'plugins/krew/procos.yaml') },
    },
  });
  if (!existsSync(join(root, ENTRY))) throw new Error(`${ENTRY} is missing: run \`make build\` first`);
  const { files, packages } = compiledClosure();
  const modules = packageClosure(packages);
  const native = modules.filter((m) => packageFiles(m).some((f) => f.endsWith('.node') || f.endsWith('binding.gyp')));
  if (native.length)
    throw new Error(
      `the plugin would load native code (${native.map((m) => relative(root, m)).join(', ')}): one archive could not serve every platform`,
    );
  const file = (path: string, mode = 0o644): TarEntry => ({
    path: relative(root, path),
    content: readFileSync(path),
    mode,
  });
  const entries: TarEntry[] = [
    { path: 'LICENSE', content: readFileSync(join(root, 'plugins/krew/LICENSE')) },
    {
      path: 'package.json',
      content: `${JSON.stringify({ name: 'kubectl-procos', version: VERSION, private: true, license: 'Apache-2.0', type: 'module' }, null, 2)}\n`,
    },
    ...BIN.map((b) => file(join(root, b), 0o755)),
    ...files.sort().map((f) => file(f)),
    ...modules.flatMap(packageFiles).map((f) => file(f)),
  ];
  const archive = tarGz('kubectl-procos', entries, MTIME);
  const sha256 = createHash('sha256').update(archive).digest('hex');
  mkdirSync(values.out, { recursive: true });
  const name = `kubectl-procos-v${VERSION}.tar.gz`;
  writeFileSync(join(values.out, name), archive);

  // Only version, uri and sha256 change; comments and layout stay as written.
  const manifest = readFileSync(values.manifest, 'utf8')
    .replace(/^(\s*version: )v\S+$/m, `$1v${VERSION}`)
    .replace(/^(\s*uri: \S*\/)v[^/\s]+\/[^/\s]+$/gm, `$1v${VERSION}/${name}`)
    .replace(/^(\s*sha256: )\S+$/gm, `$1'${sha256}'`);
  writeFileSync(values.manifest, manifest);
  process.stdout.write(
    `${relative(process.cwd(), join(values.out, name))}: ${(archive.length / 1e6).toFixed(1)} MB, ` +
      `${files.length} compiled files, ${modules.length} packages; sha256 ${sha256} (in ${relative(process.cwd(), values.manifest)})\n`,
  );
}

main();
