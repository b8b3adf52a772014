// A layer as a plan (every path it holds: folder, file copied from the machine or written, or
// link), turned into a root file system folder on disk. The plan's digest keys the folder: an
// unchanged plan reuses the folder of the previous build. Modes are normalized (0755/0644 unless
// the plan says otherwise) so the folder, its tar and a `docker build` COPY of it agree.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { MERGED_USR_LINKS } from './images.js';

export type PlanEntry =
  | { type: 'dir'; mode: number }
  | { type: 'file'; mode: number; from: string; size: number; mtimeMs: number }
  | { type: 'file'; mode: number; content: string }
  | { type: 'symlink'; target: string };

/**
 * Where a path of a Debian package goes in the image, with merged /usr applied: Debian still
 * records /lib/x86_64-linux-gnu/libc.so.6, which the image (like the machine) holds in /usr/lib.
 */
export function imagePath(path: string): string {
  const rel = path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\/\.$/, '');
  if (rel === '.' || rel === '') return '/';
  const top = rel.split('/')[0] ?? '';
  return (MERGED_USR_LINKS as readonly string[]).includes(top) ? `/usr/${rel}` : `/${rel}`;
}

/** 0755 for folders and executables, 0644 for the rest: owner-independent, readable by the image's user. */
export function normalMode(hostMode: number, isDir: boolean): number {
  return isDir || hostMode & 0o111 ? 0o755 : 0o644;
}

export class LayerPlan {
  readonly entries = new Map<string, PlanEntry>();

  constructor(readonly name: string) {}

  /** Adds a path (absolute in the image); an explicit (override) entry replaces what a package put there. */
  add(path: string, entry: PlanEntry, options: { override?: boolean } = {}): void {
    const rel = path.replace(/^\/+/, '').replace(/\/+$/, '');
    if (!rel || rel.split('/').some((p) => p === '' || p === '.' || p === '..'))
      throw new Error(`layer ${this.name}: bad path ${path}`);
    // A path below a link of this layer would be written through the link, maybe out of the folder.
    for (let i = rel.indexOf('/'); i > 0; i = rel.indexOf('/', i + 1)) {
      const parent = this.entries.get(rel.slice(0, i));
      if (parent && parent.type !== 'dir')
        throw new Error(`layer ${this.name}: /${rel} lies below /${rel.slice(0, i)}, which is a ${parent.type}`);
    }
    // Parents the plan does not name are plain folders.
    for (let i = rel.indexOf('/'); i > 0; i = rel.indexOf('/', i + 1))
      if (!this.entries.has(rel.slice(0, i))) this.entries.set(rel.slice(0, i), { type: 'dir', mode: 0o755 });
    const old = this.entries.get(rel);
    if (old?.type === 'dir' && entry.type !== 'dir')
      throw new Error(`layer ${this.name}: /${rel} is a folder, and then a ${entry.type}`);
    if (old && !options.override) {
      if (old.type === 'dir' && entry.type === 'dir') return;
      if (JSON.stringify(old) === JSON.stringify(entry)) return;
      throw new Error(`layer ${this.name}: /${rel} added twice (${old.type}, then ${entry.type})`);
    }
    this.entries.set(rel, entry);
  }

  /** Adds what is at `hostPath` on this machine (folder, file or link) at `path` in the image. */
  addFromHost(path: string, hostPath: string = path): void {
    const st = lstatSync(hostPath);
    if (st.isSymbolicLink()) this.add(path, { type: 'symlink', target: readlinkSync(hostPath) });
    else if (st.isDirectory()) this.add(path, { type: 'dir', mode: 0o755 });
    else if (st.isFile())
      this.add(path, {
        type: 'file',
        mode: normalMode(st.mode, false),
        from: hostPath,
        size: st.size,
        mtimeMs: st.mtimeMs,
      });
    else throw new Error(`layer ${this.name}: ${hostPath} is neither a file, a folder nor a link`);
  }

  /** Adds the folder tree at `hostDir` under `path`; `keep(rel, isDir)` filters (rel is relative to hostDir). */
  addTree(path: string, hostDir: string, keep: (rel: string, isDir: boolean) => boolean = () => true): void {
    this.addFromHost(path, hostDir);
    const walk = (rel: string): void => {
      for (const dirent of readdirSync(join(hostDir, rel), { withFileTypes: true })) {
        const child = rel ? `${rel}/${dirent.name}` : dirent.name;
        if (!keep(child, dirent.isDirectory())) continue;
        this.addFromHost(`${path}/${child}`, join(hostDir, child));
        if (dirent.isDirectory()) walk(child);
      }
    };
    walk('');
  }

  /** Digest of everything the folder will hold: equal digests, equal folders. */
  digest(salt: string): string {
    const hash = createHash('sha256').update(salt);
    for (const [path, entry] of [...this.entries].sort(([a], [b]) => (a < b ? -1 : 1)))
      hash.update(`${path}\0${JSON.stringify(entry)}\n`);
    return hash.digest('hex');
  }

  /** Bytes of the files (tar adds headers and padding). */
  bytes(): number {
    let n = 0;
    for (const e of this.entries.values())
      if (e.type === 'file') n += 'from' in e ? e.size : Buffer.byteLength(e.content);
    return n;
  }
}

interface LayerStamp {
  digest: string;
  files: number;
  bytes: number;
}

/**
 * The layer's folder `dir`, made from the plan unless `dir` already holds this plan (its stamp
 * `dir.json` names the same digest). Returns whether it was reused.
 */
export function materialize(plan: LayerPlan, dir: string, digest: string): boolean {
  const stampFile = `${dir}.json`;
  if (existsSync(dir) && existsSync(stampFile)) {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as LayerStamp;
    if (stamp.digest === digest) return true;
  }
  rmSync(stampFile, { force: true });
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  chmodSync(tmp, 0o755);
  const dirs: [string, number][] = [];
  for (const [path, entry] of [...plan.entries].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // Sorted, so a folder comes before what it holds (the plan names every parent).
    const target = join(tmp, path);
    switch (entry.type) {
      case 'dir':
        mkdirSync(target);
        // mkdir's mode is masked by the umask: set once all is written (a 0555 folder would refuse files).
        dirs.push([target, entry.mode]);
        break;
      case 'symlink':
        symlinkSync(entry.target, target);
        break;
      case 'file':
        if ('from' in entry) copyFileSync(entry.from, target, constants.COPYFILE_FICLONE);
        else writeFileSync(target, entry.content);
        chmodSync(target, entry.mode);
        break;
    }
  }
  for (const [d, mode] of dirs) chmodSync(d, mode);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  const stamp: LayerStamp = { digest, files: plan.entries.size, bytes: plan.bytes() };
  writeFileSync(stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
  return false;
}

/** One path of an image's merged file system: which layer holds it, and what it is there. */
export interface MergedEntry {
  layer: string;
  entry: PlanEntry;
}

/**
 * The image's file system as the runtime stacks it (an upper layer's path replaces a lower's),
 * after checking that no layer writes below another layer's link (a folder over a link would
 * replace the link, e.g. /lib, in the stacked image) or swaps a folder for a file.
 */
export function mergedView(plans: LayerPlan[]): Map<string, MergedEntry> {
  const merged = new Map<string, MergedEntry>();
  const problems: string[] = [];
  for (const plan of plans) {
    for (const [path, entry] of plan.entries) {
      for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
        const below = merged.get(path.slice(0, i));
        if (below && below.entry.type !== 'dir' && below.layer !== plan.name)
          problems.push(
            `/${path} (layer ${plan.name}) lies below /${path.slice(0, i)}, a ${below.entry.type} of layer ${below.layer}`,
          );
      }
      const old = merged.get(path);
      if (old && old.layer !== plan.name && (old.entry.type === 'dir') !== (entry.type === 'dir'))
        problems.push(`/${path}: a ${old.entry.type} in layer ${old.layer}, a ${entry.type} in layer ${plan.name}`);
      merged.set(path, { layer: plan.name, entry });
    }
  }
  if (problems.length) throw new Error(`the layers do not stack:\n  ${problems.slice(0, 20).join('\n  ')}`);
  return merged;
}

/**
 * Resolves `path` (absolute) in a merged view, following links like the kernel would in the
 * container. Returns the final path without the leading slash, or undefined when it does not exist.
 */
export function resolveInImage(merged: ReadonlyMap<string, MergedEntry>, path: string): string | undefined {
  let todo = path.split('/').filter(Boolean);
  const done: string[] = [];
  for (let hops = 0, part = todo.shift(); part !== undefined; part = todo.shift()) {
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const rel = [...done, part].join('/');
    const hit = merged.get(rel);
    if (!hit) return undefined;
    if (hit.entry.type === 'symlink') {
      if (++hops > 40) return undefined;
      const target = hit.entry.target;
      if (target.startsWith('/')) done.length = 0;
      todo = [...target.split('/').filter(Boolean), ...todo];
      continue;
    }
    done.push(part);
  }
  return done.join('/');
}
