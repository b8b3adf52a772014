// The container images of ProcOS, defined once: which layers each holds (bottom first), what goes
// into each layer, and how each runs. images/build.ts assembles every layer's root file system
// folder from this, then writes both a docker-archive tar and a Containerfile per image, so the
// tar and a `docker build` of the Containerfile hold the same files and the same runtime config.
import type { ImageRuntimeConfig } from './docker-archive.js';

export type ImageName = 'engine' | 'operator' | 'worker';

/** The non-root user every image runs as (distroless' "nonroot" id). */
export const USER_ID = 65532;
export const USER_NAME = 'procos';

/** One source of a layer's files. */
export type LayerPart =
  /** Debian packages installed on this machine, with their Depends/Pre-Depends closure (see debian-packages.ts). */
  | { kind: 'debian-packages'; packages: string[] }
  /**
   * A few files of a Debian package, not all of it (a path ending in / takes a folder); `depends`
   * are the packages of their shared libraries (taken with their closure). The linkage check of
   * build.ts proves the list complete.
   */
  | { kind: 'debian-files'; package: string; paths: string[]; depends: string[]; why: string }
  /** The pinned Node.js binary of the Makefile (`make node`) as /usr/local/bin/node. */
  | { kind: 'node-runtime' }
  /** Production node_modules under /app: the packages the shared app needs, or those only `roots` need. */
  | { kind: 'node-modules'; only?: string[] }
  /** The built project under /app: dist/, bin/, package.json and the files the code reads at run time. */
  | { kind: 'app' }
  | { kind: 'dir'; path: string; mode: number; why: string }
  | { kind: 'symlink'; path: string; target: string; why: string }
  | { kind: 'file'; path: string; content: string; mode?: number };

export interface LayerDefinition {
  name: string;
  summary: string;
  parts: LayerPart[];
  /**
   * Layers this one always sits on (every image that has it has them below it): the Debian
   * packages they hold are left out of this one.
   */
  on?: string[];
}

export interface ImageDefinition {
  name: ImageName;
  summary: string;
  /** Layer names, bottom first. */
  layers: string[];
  entrypoint: string[];
  /** TCP ports the binary listens on by default (EXPOSE). */
  ports: number[];
  /** Environment beyond COMMON_ENV. */
  env?: Record<string, string>;
}

/** Merged /usr (Debian 12 and later): the top-level folders are links into /usr. */
export const MERGED_USR_LINKS = ['bin', 'sbin', 'lib', 'lib64'] as const;

/**
 * Debian packages left out of every closure, though others depend on them. The dependency exists
 * for package installation (maintainer scripts) or for features the images never use.
 */
export const EXCLUDED_PACKAGES: Record<string, string> = {
  dpkg: 'package manager: python3-minimal, dash and grep depend on it for their maintainer scripts only',
  debconf: 'configuration prompts of maintainer scripts (tzdata); needs perl',
  'perl-base': 'only maintainer scripts and debconf use it',
  mawk: "base-files' Pre-Depends on awk is for its maintainer scripts",
  debianutils: "dash's postinst registers the shell with add-shell; nothing runs which/run-parts at run time",
  'default-jre-headless':
    'scilab-minimal-bin depends on Java for the GUI, Xcos and Java interop; scilab-cli runs scilab-cli-bin (-nwni), which links libscijvm-disable and never starts a JVM; 200 MB',
};

/** Paths of Debian packages not copied: documentation and translations no image shows. */
export const EXCLUDED_DEBIAN_PATHS = [
  '/usr/share/doc/',
  '/usr/share/man/',
  '/usr/share/info/',
  '/usr/share/locale/',
  '/usr/share/lintian/',
  '/usr/share/bug/',
  '/usr/share/menu/',
] as const;
/** ... except each package's license, which is small and which its license asks to keep with it. */
export const KEPT_DEBIAN_PATHS = [/^\/usr\/share\/doc\/[^/]+\/copyright$/];

/** Files of installed npm packages that Node.js never loads at run time. */
export const NODE_MODULES_PRUNE = {
  /**
   * TypeScript sources and declarations (.d.ts): Node.js refuses to strip types under
   * node_modules, so no .ts file there can run; source maps: only read with --enable-source-maps.
   */
  suffixes: ['.ts', '.mts', '.cts', '.map'],
  /** Package-relative paths, per package name, with why they are dead weight in the image. */
  paths: [
    {
      package: 'better-sqlite3',
      drop: (rel: string) =>
        rel.startsWith('deps/') ||
        rel.startsWith('src/') ||
        rel === 'binding.gyp' ||
        (/^prebuilds\/./.test(rel) && rel !== `prebuilds/${process.platform}-${process.arch}.node`),
      why: 'the SQLite and addon C sources (for node-gyp, which never runs: --ignore-scripts) and the prebuilt addons of other platforms; lib/binding.js loads prebuilds/<platform>-<arch>.node',
    },
    {
      package: 'node-llama-cpp',
      drop: (rel: string) => rel === 'llama/gitRelease.bundle',
      why: "a git bundle of llama.cpp's sources (34 MB), cloned only to compile llama.cpp, which needs git, cmake and a compiler the image lacks; the prebuilt @node-llama-cpp/<platform> binaries run instead",
    },
    {
      package: '@node-llama-cpp/linux-arm64',
      drop: () => process.arch !== 'arm64',
      why: 'npm installs it on x64 too (its cpu field lists both); node-llama-cpp imports it on arm64 only',
    },
  ],
};

/** The npm packages only the worker needs (its ai adapter's local provider): a layer of their own. */
export const WORKER_ONLY_NPM_PACKAGES = ['node-llama-cpp'];

export const LAYERS: LayerDefinition[] = [
  {
    name: 'os',
    summary: 'Debian base files, glibc and libstdc++ (what node needs), the procos user',
    parts: [
      { kind: 'debian-packages', packages: ['base-files', 'libstdc++6'] },
      ...MERGED_USR_LINKS.map((name): LayerPart => ({
        kind: 'symlink',
        path: `/${name}`,
        target: `usr/${name}`,
        why: 'merged /usr',
      })),
      { kind: 'dir', path: '/tmp', mode: 0o1777, why: 'scratch space; a pod mounts an emptyDir here' },
      {
        kind: 'file',
        path: '/etc/passwd',
        content:
          'root:x:0:0:root:/root:/usr/sbin/nologin\n' +
          `${USER_NAME}:x:${USER_ID}:${USER_ID}:ProcOS:/tmp:/usr/sbin/nologin\n` +
          'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
      },
      {
        kind: 'file',
        path: '/etc/group',
        content: `root:x:0:\n${USER_NAME}:x:${USER_ID}:\nnogroup:x:65534:\n`,
      },
      // glibc's defaults without it would ask DNS before /etc/hosts.
      { kind: 'file', path: '/etc/nsswitch.conf', content: 'passwd: files\ngroup: files\nhosts: files dns\n' },
    ],
  },
  {
    name: 'node',
    summary: 'the pinned official Node.js binary (make node)',
    parts: [{ kind: 'node-runtime' }],
  },
  {
    name: 'node-modules',
    summary: 'production npm packages of the engine, operator and worker (without the worker-only ones)',
    parts: [{ kind: 'node-modules' }],
  },
  {
    name: 'worker-tools',
    summary: 'the script sandbox: bwrap, setpriv, prlimit, python3, and the shell tools scilab-cli runs',
    on: ['os'],
    parts: [
      // Essential packages, which no Depends names: dash, coreutils, findutils, grep, sed because
      // scilab-cli is a /bin/sh script (uname, dirname, ls, find, grep, sed) and the sandbox check
      // runs /usr/bin/id and /usr/bin/true; ncurses-base for the terminfo scilab reads at start.
      {
        kind: 'debian-packages',
        packages: ['python3', 'bubblewrap', 'dash', 'coreutils', 'findutils', 'grep', 'sed', 'ncurses-base'],
      },
      {
        kind: 'debian-files',
        package: 'util-linux',
        paths: ['/usr/bin/setpriv', '/usr/bin/prlimit'],
        depends: ['libcap-ng0', 'libsmartcols1'],
        why: 'the sandbox needs these two of its 100 programs; all of util-linux brings PAM, systemd and udev libraries (9 MB)',
      },
      {
        kind: 'debian-files',
        package: 'libc-bin',
        paths: ['/usr/lib/locale/C.utf8/'],
        depends: [],
        why: 'the C.UTF-8 locale the sandbox sets (LANG); scilab warns without it. Not its programs (ldconfig, locale)',
      },
      { kind: 'symlink', path: '/usr/bin/sh', target: 'dash', why: "dash's maintainer script makes /bin/sh" },
    ],
  },
  {
    name: 'scilab',
    summary: 'scilab-cli for the compute adapter',
    on: ['os', 'worker-tools'],
    parts: [{ kind: 'debian-packages', packages: ['scilab-cli'] }],
  },
  {
    name: 'node-llama-cpp',
    summary: 'node-llama-cpp and its prebuilt llama.cpp (the ai adapter, local provider)',
    parts: [{ kind: 'node-modules', only: WORKER_ONLY_NPM_PACKAGES }],
  },
  {
    name: 'app',
    summary: 'ProcOS itself: dist/, bin/, package.json, the sandbox egress forwarder',
    parts: [
      { kind: 'app' },
      {
        kind: 'dir',
        path: '/var/lib/procos',
        mode: 0o1777,
        why: "the engine's data dir (PROCOS_DATA_DIR), writable by any uid like /tmp; mount a volume here",
      },
    ],
  },
];

/** Environment of every image. */
export const COMMON_ENV: Record<string, string> = {
  PATH: '/usr/local/bin:/usr/bin',
  NODE_ENV: 'production',
  HOME: '/tmp',
};

const NODE = '/usr/local/bin/node';

export const IMAGES: ImageDefinition[] = [
  {
    name: 'engine',
    summary: 'procos-engine: the durable BPMN engine behind a Zeebe-compatible gRPC gateway',
    layers: ['os', 'node', 'node-modules', 'app'],
    entrypoint: [NODE, '/app/bin/procos-engine.js'],
    ports: [26500, 9600],
    // A container's port must listen beyond loopback (the binary's default is 127.0.0.1).
    env: { PROCOS_ENGINE_HOST: '0.0.0.0', PROCOS_DATA_DIR: '/var/lib/procos' },
  },
  {
    name: 'operator',
    summary: 'procos-operator: the Kubernetes operator that reconciles ProcOSProcess resources',
    layers: ['os', 'node', 'node-modules', 'app'],
    entrypoint: [NODE, '/app/bin/procos-operator.js'],
    ports: [8080],
  },
  {
    name: 'worker',
    summary: 'procos-worker: the generic job worker with its adapters and script sandbox',
    // The app on top: a rebuild after a code change redoes only that small layer.
    layers: ['os', 'node', 'node-modules', 'worker-tools', 'scilab', 'node-llama-cpp', 'app'],
    entrypoint: [NODE, '/app/bin/procos-worker.js'],
    ports: [9464],
  },
];

export function imageDefinition(name: string): ImageDefinition {
  const image = IMAGES.find((i) => i.name === name);
  if (!image) throw new Error(`no image ${name}; images: ${IMAGES.map((i) => i.name).join(', ')}`);
  return image;
}

export function layerDefinition(name: string): LayerDefinition {
  const layer = LAYERS.find((l) => l.name === name);
  if (!layer) throw new Error(`no layer ${name}; layers: ${LAYERS.map((l) => l.name).join(', ')}`);
  return layer;
}

export function imageTag(image: Pick<ImageDefinition, 'name'>, version: string): string {
  return `procos.local/procos-${image.name}:${version}`;
}

/** The runtime config of an image: what the archive's config holds and the Containerfile says. */
export function runtimeConfig(
  image: ImageDefinition,
  project: { version: string; license: string },
): ImageRuntimeConfig {
  const env = { ...COMMON_ENV, ...image.env };
  return {
    User: `${USER_ID}:${USER_ID}`,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    WorkingDir: '/app',
    Entrypoint: image.entrypoint,
    ExposedPorts: Object.fromEntries(image.ports.map((p) => [`${p}/tcp`, {}])),
    Labels: {
      'org.opencontainers.image.title': `procos-${image.name}`,
      'org.opencontainers.image.description': image.summary,
      'org.opencontainers.image.version': project.version,
      'org.opencontainers.image.licenses': project.license,
    },
  };
}

/** Problems of the definitions (empty when they are consistent); a unit test keeps it empty. */
export function definitionProblems(): string[] {
  const problems: string[] = [];
  const names = LAYERS.map((l) => l.name);
  if (new Set(names).size !== names.length) problems.push('two layers share a name');
  for (const image of IMAGES) {
    image.layers.forEach((name, i) => {
      if (!names.includes(name)) return problems.push(`${image.name}: no layer ${name}`);
      for (const below of layerDefinition(name).on ?? [])
        if (!image.layers.slice(0, i).includes(below))
          problems.push(`${image.name}: layer ${name} sits on ${below}, which is not below it`);
    });
    if (!image.layers.includes('os')) problems.push(`${image.name}: no os layer`);
  }
  return problems;
}
