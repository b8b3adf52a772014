// Whether every program and shared library in an image finds the libraries it links (ELF
// DT_NEEDED), resolved like ld.so does in the container: RPATH/RUNPATH ($ORIGIN), then the system
// folders. It proves that the packages left out of a closure (EXCLUDED_PACKAGES) and the files
// taken alone (debian-files) leave nothing unresolved, without running anything.
import { closeSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { resolveInImage, type MergedEntry } from './rootfs.js';

export interface ElfDynamic {
  needed: string[];
  /** DT_RUNPATH, else DT_RPATH, split on ':'. */
  searchPath: string[];
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;

/** The dynamic section of a 64-bit little-endian ELF file; undefined for anything else (scripts, data, static ELF). */
export function readElfDynamic(path: string): ElfDynamic | undefined {
  const fd = openSync(path, 'r');
  try {
    const read = (offset: number | bigint, length: number): Buffer => {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, Number(offset));
      return buf.subarray(0, n);
    };
    const header = read(0, 64);
    if (header.length < 64 || header.readUInt32BE(0) !== 0x7f454c46) return undefined;
    if (header[4] !== 2 || header[5] !== 1) return undefined; // ELFCLASS64, little-endian
    const phoff = header.readBigUInt64LE(32);
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    const table = read(phoff, phentsize * phnum);
    const loads: { vaddr: bigint; offset: bigint; filesz: bigint }[] = [];
    let dynamic: { offset: bigint; size: bigint } | undefined;
    for (let i = 0; i < phnum; i++) {
      const ph = table.subarray(i * phentsize, (i + 1) * phentsize);
      const type = ph.readUInt32LE(0);
      const offset = ph.readBigUInt64LE(8);
      const vaddr = ph.readBigUInt64LE(16);
      const filesz = ph.readBigUInt64LE(32);
      if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
      if (type === PT_DYNAMIC) dynamic = { offset, size: filesz };
    }
    if (!dynamic) return undefined;
    const entries = read(dynamic.offset, Number(dynamic.size));
    const tags: [bigint, bigint][] = [];
    for (let i = 0; i + 16 <= entries.length; i += 16) {
      const tag = entries.readBigInt64LE(i);
      if (tag === 0n) break;
      tags.push([tag, entries.readBigUInt64LE(i + 8)]);
    }
    const strtabAddr = tags.find(([t]) => t === DT_STRTAB)?.[1];
    const load = loads.find(
      (l) => strtabAddr !== undefined && strtabAddr >= l.vaddr && strtabAddr < l.vaddr + l.filesz,
    );
    if (strtabAddr === undefined || !load) return undefined;
    const strtab = strtabAddr - load.vaddr + load.offset;
    const string = (offset: bigint): string => {
      const buf = read(strtab + offset, 4096);
      const end = buf.indexOf(0);
      return buf.subarray(0, end < 0 ? buf.length : end).toString('utf8');
    };
    const runpath = tags.find(([t]) => t === DT_RUNPATH) ?? tags.find(([t]) => t === DT_RPATH);
    return {
      needed: tags.filter(([t]) => t === DT_NEEDED).map(([, v]) => string(v)),
      searchPath: runpath ? string(runpath[1]).split(':').filter(Boolean) : [],
    };
  } finally {
    closeSync(fd);
  }
}

/** Where glibc's ld.so looks without an ld.so.cache (Debian's multiarch folders first). */
export function systemLibraryDirs(arch: string = process.arch): string[] {
  const triplet = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[arch as 'x64' | 'arm64'];
  return [...(triplet ? [`/lib/${triplet}`, `/usr/lib/${triplet}`] : []), '/lib', '/usr/lib'];
}

export interface UnresolvedLibrary {
  /** The ELF file, absolute in the image. */
  file: string;
  library: string;
}

/**
 * Every DT_NEEDED of every ELF file in the merged view that does not resolve. `isElfCandidate`
 * limits which paths are opened (all regular files by default).
 */
export function unresolvedLibraries(
  merged: ReadonlyMap<string, MergedEntry>,
  isElfCandidate: (path: string) => boolean = () => true,
): UnresolvedLibrary[] {
  const system = systemLibraryDirs();
  const out: UnresolvedLibrary[] = [];
  for (const [path, { entry }] of merged) {
    if (entry.type !== 'file' || !('from' in entry) || entry.size < 64 || !isElfCandidate(path)) continue;
    // The file the layer folder holds a copy of.
    const dynamic = readElfDynamic(entry.from);
    if (!dynamic) continue;
    const origin = `/${dirname(path)}`;
    const dirs = [...dynamic.searchPath.map((d) => d.replace(/\$(ORIGIN|\{ORIGIN\})/g, origin)), ...system];
    for (const library of dynamic.needed) {
      const found = library.includes('/')
        ? resolveInImage(merged, library)
        : dirs.some((d) => {
            const hit = resolveInImage(merged, `${d}/${library}`);
            return hit !== undefined && merged.get(hit)?.entry.type === 'file';
          });
      if (!found) out.push({ file: `/${path}`, library });
    }
  }
  return out;
}
