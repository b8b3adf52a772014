// make images: the engine, operator and worker images as docker-archive tars (for `ctr images
// import`, `docker load`, `podman load`), with no registry and no docker, plus a Containerfile
// per image that builds the same files with docker/podman/buildah. See images/README.md.
//
//   npx tsx images/build.ts [--out DIR] [engine|operator|worker …]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { containerfile, copyInstruction } from './containerfile.js';
import { writeDockerArchive, type ImageRuntimeConfig } from './docker-archive.js';
import { unresolvedLibraries } from './elf-linkage.js';
import { IMAGES, imageDefinition, imageTag, layerDefinition, runtimeConfig, type ImageDefinition } from './images.js';
import { LayerSources, pinnedNode, toolCache } from './layer-sources.js';
import { materialize, mergedView, type LayerPlan } from './rootfs.js';

export interface BuiltImage {
  name: string;
  tag: string;
  /** The docker-archive tar (absolute path). */
  archive: string;
  /** The image ID (sha256 of its config), as `ctr images ls` / `docker images --no-trunc` show it. */
  id: string;
  /** Uncompressed bytes of its layers. */
  size: number;
}

export interface BuildOptions {
  /** Output folder (default dist/images of the project). */
  out?: string;
  /** Images to build (default all). */
  names?: string[];
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const projectRoot = resolve(here, '..');

/** Digest of this builder's own code: a change to how layers are assembled rebuilds them. */
function builderDigest(): string {
  const hash = createHash('sha256');
  for (const f of readdirSync(here)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort())
    hash.update(f).update(readFileSync(join(here, f)));
  return hash.digest('hex');
}

const tarKey = (layer: string, digest: string): string => `${layer}-${digest.slice(0, 16)}`;

interface LayerResult {
  name: string;
  plan: LayerPlan;
  dir: string;
  digest: string;
  reused: boolean;
}

/** ELF files worth opening: under /usr, and addons/libraries of npm packages. */
const elfCandidate = (path: string): boolean =>
  path.startsWith('usr/') ? !path.startsWith('usr/share/') : /\.(node|so(\.\d+)*)$/.test(path);

export async function buildImages(options: BuildOptions = {}): Promise<BuiltImage[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const out = resolve(options.out ?? join(projectRoot, 'dist', 'images'));
  const images = (options.names?.length ? options.names : IMAGES.map((i) => i.name)).map(imageDefinition);
  const project = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
    version: string;
    license: string;
  };
  const node = pinnedNode(projectRoot);
  const cacheDir = join(toolCache(), 'images');
  mkdirSync(join(out, 'layers'), { recursive: true });
  mkdirSync(cacheDir, { recursive: true });

  const sources = new LayerSources({ project: projectRoot, nodeHome: node.home, cacheDir, log });
  await sources.prepare([...new Set(images.flatMap((i) => i.layers))].map(layerDefinition));
  const salt = builderDigest();
  const layers = new Map<string, LayerResult>();
  const layer = (name: string): LayerResult => {
    let result = layers.get(name);
    if (!result) {
      const started = Date.now();
      const plan = sources.plan(layerDefinition(name));
      const digest = plan.digest(salt);
      const dir = join(out, 'layers', name);
      const reused = materialize(plan, dir, digest);
      result = { name, plan, dir, digest, reused };
      layers.set(name, result);
      log(
        `layer ${name}: ${(plan.bytes() / 1e6).toFixed(1)} MB, ${plan.entries.size} paths, ` +
          `${reused ? 'unchanged' : 'assembled'} (${Date.now() - started} ms)`,
      );
    }
    return result;
  };

  const built: BuiltImage[] = [];
  // images.json keeps the images an earlier run built and this one did not.
  const manifestFile = join(out, 'images.json');
  const manifest = new Map<string, unknown>(
    existsSync(manifestFile)
      ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as { images: { name: string }[] }).images.map((i) => [
          i.name,
          i,
        ])
      : [],
  );
  for (const image of images) {
    const started = Date.now();
    const stack = image.layers.map(layer);
    checkImage(image, stack);
    const tag = imageTag(image, project.version);
    const config: ImageRuntimeConfig = runtimeConfig(image, project);
    const archive = join(out, `procos-${image.name}.tar`);
    writeFileSync(
      join(out, `procos-${image.name}.Containerfile`),
      containerfile({ tag, layers: image.layers, config }),
    );
    const result = writeDockerArchive({
      layers: stack.map((l) => l.dir),
      tag,
      config,
      out: archive,
      history: image.layers.map(copyInstruction),
      layerCache: { dir: join(out, 'layers'), keys: stack.map((l) => tarKey(l.name, l.digest)) },
    });
    log(`image ${tag}: ${archive} (${Date.now() - started} ms)`);
    built.push({ name: image.name, tag, archive, id: result.id, size: result.size });
    manifest.set(image.name, {
      name: image.name,
      tag,
      archive: relative(out, archive),
      containerfile: `procos-${image.name}.Containerfile`,
      id: result.id,
      size: result.size,
      layers: image.layers.map((name, i) => ({ name, diffId: result.diffIds[i], size: result.layerSizes[i] })),
    });
  }
  const listed = IMAGES.map((i) => manifest.get(i.name)).filter(Boolean);
  writeFileSync(manifestFile, `${JSON.stringify({ images: listed }, null, 2)}\n`);
  // docker/podman build send only the layer folders of this context, not the tars.
  writeFileSync(
    join(out, '.dockerignore'),
    '*\n!layers\nlayers/*.tar\nlayers/*.tar.*\nlayers/*.json\nlayers/*.partial\n',
  );
  // Layer tars of earlier contents of the layers built now.
  const current = new Set([...layers].map(([name, l]) => `${tarKey(name, l.digest)}.tar`));
  for (const f of readdirSync(join(out, 'layers'))) {
    const name = /^(.+)-[0-9a-f]{16}\.tar/.exec(f)?.[1];
    if (name && layers.has(name) && !current.has(f.replace(/\.sha256$/, '')))
      rmSync(join(out, 'layers', f), { force: true });
  }
  return built;
}

/** The image's layers stack cleanly and every ELF file in it finds its libraries. */
function checkImage(image: ImageDefinition, stack: LayerResult[]): void {
  const merged = mergedView(stack.map((l) => l.plan));
  const unresolved = unresolvedLibraries(merged, elfCandidate);
  if (unresolved.length) {
    const lines = unresolved.slice(0, 30).map((u) => `${u.file} needs ${u.library}`);
    throw new Error(
      `image ${image.name}: ${unresolved.length} shared librar${unresolved.length === 1 ? 'y does' : 'ies do'} not resolve ` +
        `(a package left out of a closure, or a debian-files part missing a depends):\n  ${lines.join('\n  ')}`,
    );
  }
}

const HELP = `npx tsx images/build.ts [--out DIR] [engine|operator|worker ...]

Builds the ProcOS container images without docker and without a registry, from images/images.ts:
  procos.local/procos-engine:<version>    procos-engine (gRPC 26500, monitoring 9600)
  procos.local/procos-operator:<version>  procos-operator (metrics/health 8080)
  procos.local/procos-worker:<version>    procos-worker (HTTP 9464), script sandbox, python3, scilab-cli

Into DIR (default dist/images):
  procos-<name>.tar            docker-archive: ctr -n k8s.io images import DIR/procos-<name>.tar,
                               docker load -i DIR/procos-<name>.tar, podman load -i DIR/procos-<name>.tar
  procos-<name>.Containerfile  the same image for docker/podman/buildah, build context DIR:
                               docker build -f DIR/procos-<name>.Containerfile -t <tag> DIR
  layers/<layer>/              each layer's root file system (kept: an unchanged layer is reused)
  images.json                  per image: tag, archive, id, size, layers

Needs: Debian with the packages the images take (make host-tools), the pinned Node.js (make node),
npm registry access on the first run (production node_modules are cached in ~/.cache/procos/images).
dist/ is compiled first when missing or older than the sources. Images run as uid 65532 (procos).
`;

async function main(argv: string[]): Promise<number> {
  const names: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(HELP);
      return 0;
    } else if (arg === '--out') {
      out = argv[++i];
      if (!out) throw new Error('--out needs a folder');
    } else if (arg.startsWith('--out=')) out = arg.slice('--out='.length);
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}; see --help`);
    else names.push(imageDefinition(arg).name);
  }
  const started = Date.now();
  const built = await buildImages({ out: out && (isAbsolute(out) ? out : resolve(out)), names });
  for (const b of built)
    process.stdout.write(
      `${b.tag}  ${(b.size / 1e6).toFixed(1)} MB  ${relative(process.cwd(), b.archive) || b.archive}\n`,
    );
  process.stderr.write(`built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`images/build.ts: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
