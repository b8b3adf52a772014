// A docker-archive image (what `docker save` writes, and what `docker load`, `podman load` and
// `ctr images import` read) made from root file system folders, one layer each, with no daemon
// and no registry. Layers are GNU tars with fixed owner, order and times, the archive around
// them a plain ustar written here: the same folders give the same image, byte for byte, and a
// layer shared by two images is stored once by the runtime.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The runtime part of an OCI image config (the fields a container runtime uses). */
export interface ImageRuntimeConfig {
  User?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, Record<string, never>>;
}

export interface ImageArchive {
  /** sha256 of the image config: the image ID containerd and docker report. */
  id: string;
  /** Bytes of the layers (the image's uncompressed size). */
  size: number;
  /** sha256 of each layer tar, bottom first (the config's rootfs.diff_ids). */
  diffIds: string[];
  /** Bytes of each layer tar, bottom first. */
  layerSizes: number[];
}

/** The image config's architecture for this machine (the layers hold this machine's binaries). */
export function imageArchitecture(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
  const name = names[arch];
  if (!name) throw new Error(`no OCI architecture name for Node.js arch ${arch}`);
  return name;
}

export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function gnuTar(args: string[]): void {
  try {
    execFileSync('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`tar ${args.join(' ')} failed: ${String((err as { stderr?: Buffer }).stderr ?? err)}`);
  }
}

/** Same bytes for the same folder: numeric root ownership, sorted names, epoch times. */
const REPRODUCIBLE = ['--numeric-owner', '--owner=0', '--group=0', '--sort=name', '--mtime=@0', '--format=gnu'];

/** The tar of a layer folder at `file`, with its diff ID: reused when `file` and its `.sha256` exist. */
function layerTar(rootfs: string, file: string): { diffId: string; size: number } {
  const idFile = `${file}.sha256`;
  if (existsSync(file) && existsSync(idFile))
    return { diffId: readFileSync(idFile, 'utf8').trim(), size: statSync(file).size };
  rmSync(idFile, { force: true });
  const partial = `${file}.partial`;
  gnuTar(['--create', `--file=${partial}`, ...REPRODUCIBLE, `--directory=${rootfs}`, '.']);
  const diffId = `sha256:${sha256File(partial)}`;
  renameSync(partial, file);
  writeFileSync(idFile, diffId);
  return { diffId, size: statSync(file).size };
}

/** One member of the outer archive: bytes, or a file copied in. */
type Member = { name: string; data: Buffer } | { name: string; path: string; size: number };

/** A ustar header of a regular file: fixed mode, owner and time, so the same members give the same bytes. */
function ustarHeader(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar member name longer than 100 bytes: ${name}`);
  const h = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string): void => void h.write(value, offset, length, 'utf8');
  const octal = (value: number, length: number): string => `${value.toString(8).padStart(length - 1, '0')}\0`;
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(size, 12));
  field(136, 12, octal(0, 12));
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const b of h) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** Writes a tar of regular files (the docker-archive's manifest, config and layer tars). */
function writeTar(out: string, members: Member[]): void {
  const fd = openSync(out, 'w');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (const m of members) {
      const size = 'data' in m ? m.data.length : m.size;
      writeSync(fd, ustarHeader(m.name, size));
      if ('data' in m) writeSync(fd, m.data);
      else {
        const src = openSync(m.path, 'r');
        try {
          let copied = 0;
          for (let n; (n = readSync(src, buf, 0, buf.length, null)) > 0; copied += n) writeSync(fd, buf, 0, n);
          if (copied !== size) throw new Error(`${m.path} changed while it was copied into ${out}`);
        } finally {
          closeSync(src);
        }
      }
      if (size % 512) writeSync(fd, Buffer.alloc(512 - (size % 512)));
    }
    writeSync(fd, Buffer.alloc(1024)); // end of archive
  } finally {
    closeSync(fd);
  }
}

export function writeDockerArchive(options: {
  /** Root file system folders, bottom layer first. */
  layers: string[];
  tag: string;
  config: ImageRuntimeConfig;
  out: string;
  /** What made each layer, for the image history (default: this file). */
  history?: string[];
  /**
   * Optional tar cache: layer i's tar is kept as `dir/keys[i].tar` (and its diff ID beside it)
   * and reused while the caller's key for that folder (a digest of all it holds) stays the same.
   */
  layerCache?: { dir: string; keys: string[] };
}): ImageArchive {
  // Without a cache the layer tars are made in a folder of their own, removed at the end.
  const cache = options.layerCache;
  const work = cache ? undefined : mkdtempSync(join(tmpdir(), 'procos-image-'));
  try {
    const layers = options.layers.map((rootfs, i) => {
      const file = cache ? join(cache.dir, `${cache.keys[i] ?? `layer${i}`}.tar`) : join(work ?? '', `layer${i}.tar`);
      const { diffId, size } = layerTar(rootfs, file);
      // Named by content, as `docker save` does: the same layer has the same name in every image.
      return { file, name: `${diffId.slice('sha256:'.length)}.tar`, diffId, size };
    });
    const config = JSON.stringify({
      architecture: imageArchitecture(),
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: options.config,
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({
        created: '1970-01-01T00:00:00Z',
        created_by: options.history?.[i] ?? 'procos images/docker-archive.ts',
      })),
    });
    const id = createHash('sha256').update(config).digest('hex');
    const manifest = [{ Config: `${id}.json`, RepoTags: [options.tag], Layers: layers.map((l) => l.name) }];
    // A layer that repeats is stored once in the archive.
    const unique = [...new Map(layers.map((l) => [l.name, l])).values()];
    // Written beside the target and renamed: a failed run never leaves half an archive.
    const partial = join(dirname(options.out), `.${id}.tar.partial`);
    try {
      writeTar(partial, [
        { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) },
        { name: `${id}.json`, data: Buffer.from(config) },
        ...unique.map((l) => ({ name: l.name, path: l.file, size: l.size })),
      ]);
      renameSync(partial, options.out);
    } finally {
      rmSync(partial, { force: true });
    }
    return {
      id: `sha256:${id}`,
      size: layers.reduce((n, l) => n + l.size, 0),
      diffIds: layers.map((l) => l.diffId),
      layerSizes: layers.map((l) => l.size),
    };
  } finally {
    if (work) rmSync(work, { recursive: true, force: true });
  }
}
