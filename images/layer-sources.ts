// What each kind of layer part (images.ts) puts into a layer's plan: Debian packages from this
// machine's dpkg database, the pinned Node.js, the staged production node_modules, the built app.
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { DpkgDatabase } from './debian-packages.js';
import {
  EXCLUDED_DEBIAN_PATHS,
  EXCLUDED_PACKAGES,
  KEPT_DEBIAN_PATHS,
  NODE_MODULES_PRUNE,
  WORKER_ONLY_NPM_PACKAGES,
  layerDefinition,
  type LayerDefinition,
} from './images.js';
import { importedPackages, packageName, splitPackages, stagedInstall, type StagedInstall } from './npm-packages.js';
import { LayerPlan, imagePath } from './rootfs.js';

/** The tool cache of the Makefile: PROCOS_CACHE_DIR, else ~/.cache/procos. */
export function toolCache(): string {
  return process.env.PROCOS_CACHE_DIR || join(process.env.HOME ?? '/root', '.cache', 'procos');
}

/** The pinned Node.js of the Makefile: NODE_VERSION in the tool cache (PROCOS_CACHE_DIR or ~/.cache/procos). */
export function pinnedNode(project: string): { version: string; home: string; binary: string } {
  const makefile = readFileSync(join(project, 'Makefile'), 'utf8');
  const version = /^NODE_VERSION\s*:=\s*(\S+)/m.exec(makefile)?.[1];
  if (!version) throw new Error(`no NODE_VERSION := … in ${join(project, 'Makefile')}`);
  const home = join(toolCache(), `node-v${version}-linux-${process.arch}`);
  const binary = join(home, 'bin', 'node');
  if (!existsSync(binary))
    throw new Error(
      `the images run the pinned Node.js ${version}, which is not installed at ${binary}: run \`make node\`. ` +
        `(On a machine whose own node is new enough, make node skips it; then: mkdir -p ${home} && cd ${home} && ` +
        `npm pack node-linux-${process.arch}@${version} && tar xzf node-linux-${process.arch}-${version}.tgz --strip-components=1)`,
    );
  return { version, home, binary };
}

export interface SourceContext {
  project: string;
  nodeHome: string;
  /** The tool cache for images: ~/.cache/procos/images. */
  cacheDir: string;
  log: (line: string) => void;
}

const isExcludedDebianPath = (path: string): boolean =>
  EXCLUDED_DEBIAN_PATHS.some((p) => path.startsWith(p)) && !KEPT_DEBIAN_PATHS.some((re) => re.test(path));

/** Turns layer definitions into plans; memoizes the dpkg database, closures and the npm install. */
export class LayerSources {
  private dbCache?: DpkgDatabase;
  private npmCache?: StagedInstall;
  private readonly packagesOf = new Map<string, string[]>();
  private rootsCache?: { required: string[]; optional: string[] };
  private built = false;

  constructor(private readonly ctx: SourceContext) {}

  get db(): DpkgDatabase {
    return (this.dbCache ??= new DpkgDatabase());
  }

  /**
   * The slow, asynchronous part of making plans: compiles dist/ when it is stale (for `app`) and
   * installs the npm packages (for `node-modules`), for the parts these layers have.
   */
  async prepare(layers: LayerDefinition[]): Promise<void> {
    const kinds = new Set(layers.flatMap((l) => l.parts.map((p) => p.kind)));
    if (kinds.has('app') || kinds.has('node-modules')) await this.ensureBuilt();
    if (kinds.has('node-modules') && !this.npmCache) {
      const started = Date.now();
      this.npmCache = await stagedInstall({
        project: this.ctx.project,
        cacheDir: this.ctx.cacheDir,
        nodeHome: this.ctx.nodeHome,
      });
      if (this.npmCache.installed) this.ctx.log(`npm ci into ${this.npmCache.dir} (${Date.now() - started} ms)`);
    }
  }

  private get npm(): StagedInstall {
    if (!this.npmCache) throw new Error('LayerSources.prepare() first');
    return this.npmCache;
  }

  /** The Debian packages a layer holds in full (its closure minus the layers it sits on). */
  debianPackages(layer: LayerDefinition): string[] {
    const memo = this.packagesOf.get(layer.name);
    if (memo) return memo;
    const have = new Set((layer.on ?? []).flatMap((below) => this.debianPackages(layerDefinition(below))));
    const roots = layer.parts.flatMap((p) =>
      p.kind === 'debian-packages' ? p.packages : p.kind === 'debian-files' ? p.depends : [],
    );
    const packages = roots.length ? this.db.closure(roots, { exclude: EXCLUDED_PACKAGES, have }) : [];
    this.packagesOf.set(layer.name, packages);
    return packages;
  }

  plan(layer: LayerDefinition): LayerPlan {
    const plan = new LayerPlan(layer.name);
    if (layer.parts.some((p) => p.kind === 'debian-packages' || p.kind === 'debian-files')) this.addDebian(plan, layer);
    for (const part of layer.parts) {
      switch (part.kind) {
        case 'node-runtime':
          plan.addFromHost('/usr/local/bin/node', join(this.ctx.nodeHome, 'bin', 'node'));
          plan.addFromHost('/usr/local/share/doc/node/LICENSE', join(this.ctx.nodeHome, 'LICENSE'));
          break;
        case 'node-modules':
          this.addNodeModules(plan, part.only);
          break;
        case 'app':
          this.addApp(plan);
          break;
        case 'dir':
          plan.add(part.path, { type: 'dir', mode: part.mode }, { override: true });
          break;
        case 'symlink':
          plan.add(part.path, { type: 'symlink', target: part.target }, { override: true });
          break;
        case 'file':
          plan.add(part.path, { type: 'file', mode: part.mode ?? 0o644, content: part.content }, { override: true });
          break;
        default:
          break;
      }
    }
    return plan;
  }

  private addDebian(plan: LayerPlan, layer: LayerDefinition): void {
    const db = this.db;
    const diversions = db.diversions();
    const missing: string[] = [];
    const addPath = (pkg: string, listed: string): void => {
      if (isExcludedDebianPath(listed)) return;
      const diverted = diversions.get(listed);
      const path = diverted && diverted.by !== pkg ? diverted.to : listed;
      const target = imagePath(path);
      if (target === '/') return;
      // The machine is merged-/usr too: read /lib/x/libc.so.6 as /usr/lib/x/libc.so.6, not through the /lib link.
      const host = exists(target) ? target : path;
      if (!exists(host)) return void missing.push(`${pkg}: ${path}`);
      plan.addFromHost(target, host);
    };
    const packages = this.debianPackages(layer);
    for (const pkg of packages) for (const path of db.files(pkg)) addPath(pkg, path);
    for (const part of layer.parts) {
      if (part.kind !== 'debian-files') continue;
      const listed = db.files(part.package);
      for (const path of part.paths) {
        // A path ending in / takes that folder and all the package installed below it.
        const hits = listed.filter((p) =>
          path.endsWith('/') ? `${imagePath(p)}/`.startsWith(imagePath(path) + '/') : imagePath(p) === imagePath(path),
        );
        if (!hits.length) throw new Error(`layer ${layer.name}: ${part.package} has no ${path}`);
        for (const hit of hits) addPath(part.package, hit);
      }
    }
    // Links made by update-alternatives for files of this layer.
    for (const alt of db.alternatives()) {
      if (!plan.entries.has(imagePath(alt.target).slice(1)) || !existsSync(alt.link)) continue;
      plan.add(`/etc/alternatives/${alt.name}`, { type: 'symlink', target: alt.target });
      plan.add(imagePath(alt.link), { type: 'symlink', target: readlinkSync(alt.link) });
    }
    // What scanners (trivy, grype, syft) read to know the packages, as distroless images have it.
    const recorded = [...packages, ...layer.parts.flatMap((p) => (p.kind === 'debian-files' ? [p.package] : []))];
    for (const pkg of recorded) {
      const stanza = db.get(pkg)?.stanza ?? '';
      plan.add(`/var/lib/dpkg/status.d/${pkg}`, { type: 'file', mode: 0o644, content: `${stanza}\n` });
    }
    if (missing.length)
      this.ctx.log(
        `layer ${layer.name}: ${missing.length} file(s) dpkg lists are not on this machine, left out: ${missing.slice(0, 5).join(', ')}`,
      );
  }

  /**
   * The npm packages the runtime needs by name: the project's dependencies and optional
   * dependencies, and every package the compiled code imports (a devDependency among those is
   * taken too, with a warning: package.json should list it under dependencies).
   */
  runtimeRoots(): { required: string[]; optional: string[] } {
    if (this.rootsCache) return this.rootsCache;
    const project = JSON.parse(readFileSync(join(this.ctx.project, 'package.json'), 'utf8')) as Record<
      'dependencies' | 'optionalDependencies' | 'devDependencies',
      Record<string, string> | undefined
    >;
    const required = Object.keys(project.dependencies ?? {});
    const optional = Object.keys(project.optionalDependencies ?? {});
    const declared = [...required, ...optional];
    const files = buildConfig(this.ctx.project).include.flatMap((top) => jsFiles(join(this.ctx.project, 'dist', top)));
    const imported = importedPackages(files, (f) => readFileSync(f, 'utf8')).filter((n) => !isBuiltin(n));
    const undeclared = imported.filter((n) => !declared.includes(n));
    for (const name of undeclared) {
      if (!(name in (project.devDependencies ?? {})))
        throw new Error(`dist/ imports ${name}, which package.json does not list: add it to dependencies`);
      this.ctx.log(
        `warning: dist/ imports ${name}, a devDependency: the images include it; move it to dependencies in package.json`,
      );
    }
    return (this.rootsCache = { required: [...required, ...undeclared], optional });
  }

  private addNodeModules(plan: LayerPlan, only: string[] | undefined): void {
    const npm = this.npm;
    const split = splitPackages(npm.lock, this.runtimeRoots(), only ?? WORKER_ONLY_NPM_PACKAGES);
    const locations = only ? split.only : split.shared;
    for (const location of locations) {
      const name = packageName(location);
      const rules = NODE_MODULES_PRUNE.paths.filter((r) => r.package === name);
      if (rules.some((r) => r.drop(''))) continue;
      const dir = join(npm.dir, location);
      if (!existsSync(dir)) continue; // an optional package npm did not install here (other platform)
      plan.addTree(`/app/${location}`, dir, (rel, isDir) => {
        // Nested node_modules hold packages of their own, placed by their own location.
        if (rel === 'node_modules') return false;
        if (!isDir && NODE_MODULES_PRUNE.suffixes.some((s) => rel.endsWith(s))) return false;
        return !rules.some((r) => r.drop(isDir ? `${rel}/` : rel));
      });
    }
  }

  private addApp(plan: LayerPlan): void {
    const root = this.ctx.project;
    if (!this.built) throw new Error('LayerSources.prepare() first');
    plan.addFromHost('/app/package.json', join(root, 'package.json'));
    for (const f of readdirSync(join(root, 'bin'))
      .filter((f) => f.endsWith('.js'))
      .sort())
      plan.addFromHost(`/app/bin/${f}`, join(root, 'bin', f));
    // What tsc compiles (dist/ also holds this build's own output, dist/images).
    for (const top of buildConfig(root).include)
      if (existsSync(join(root, 'dist', top)))
        plan.addTree(`/app/dist/${top}`, join(root, 'dist', top), (rel) => !/\.test\.js(\.map)?$/.test(rel));
    // Read at run time from the project root (lib/cli/version.ts projectRoot()), not from dist/.
    plan.addFromHost('/app/workers/sandbox/egress-forwarder.py', join(root, 'workers/sandbox/egress-forwarder.py'));
  }

  /** dist/ as tsc builds it from the sources: built when missing or older than a source file. */
  private async ensureBuilt(): Promise<void> {
    if (this.built) return;
    const root = this.ctx.project;
    const stale = staleBuild(root);
    if (stale) {
      this.ctx.log(`dist/ ${stale}: building it (tsc -p tsconfig.build.json)`);
      const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      if (!existsSync(tsc)) throw new Error(`dist/ ${stale}, and ${tsc} is missing to build it: run \`make build\``);
      try {
        await promisify(execFile)(join(this.ctx.nodeHome, 'bin', 'node'), [tsc, '-p', 'tsconfig.build.json'], {
          cwd: root,
          maxBuffer: 64 << 20,
        });
      } catch (err) {
        throw new Error(`tsc -p tsconfig.build.json failed: ${String((err as { stdout?: string }).stdout || err)}`);
      }
      const still = staleBuild(root);
      if (still) throw new Error(`dist/ ${still} even after tsc: run \`make build\``);
    }
    this.built = true;
  }
}

/** The .js files under a folder, recursively. */
function jsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.js'))
    .map((d) => join(d.parentPath, d.name));
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** tsconfig.build.json: which source folders tsc compiles into dist/. */
function buildConfig(root: string): { include: string[] } {
  return JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
}

/** Why dist/ does not match the sources (undefined when it does): a compiled source whose .js is missing or older. */
export function staleBuild(root: string): string | undefined {
  const config = buildConfig(root);
  const ignored = (rel: string): boolean =>
    rel.endsWith('.test.ts') ||
    rel.endsWith('.d.ts') ||
    rel.split('/').includes('testdata') ||
    rel.startsWith('lib/testing/');
  for (const top of config.include) {
    const stack = [join(root, top)];
    for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
      if (!existsSync(dir)) continue;
      for (const dirent of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, dirent.name);
        if (dirent.isDirectory()) {
          if (dirent.name !== 'node_modules') stack.push(full);
          continue;
        }
        const rel = relative(root, full);
        if (!rel.endsWith('.ts') || ignored(rel)) continue;
        const js = join(root, 'dist', rel.replace(/\.ts$/, '.js'));
        if (!existsSync(js)) return `lacks ${relative(root, js)}`;
        if (statSync(js).mtimeMs < statSync(full).mtimeMs) return `is older than ${rel}`;
      }
    }
  }
  return undefined;
}
