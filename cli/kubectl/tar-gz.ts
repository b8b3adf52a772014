// A .tar.gz of in-memory files (POSIX ustar, what `tar -xzf` on Linux and macOS reads), for the
// support bundle: a few hundred KB, so built whole in memory.
import { gzipSync } from 'node:zlib';

export interface TarEntry {
  /** Relative path with forward slashes. */
  path: string;
  content: string | Buffer;
  /** Permission bits (default 0o644; 0o755 for executables). */
  mode?: number;
}

function field(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, Math.min(length, Buffer.byteLength(value)), 'utf8');
}

const octal = (n: number, length: number): string => `${n.toString(8).padStart(length - 1, '0')}\0`;

/** ustar keeps a name in 100 bytes, or a prefix of up to 155 and a name of 100 split at a slash. */
function splitName(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { prefix, name };
  }
  throw new Error(`path too long for a tar archive: ${path}`);
}

function header(path: string, size: number, type: '0' | '5', mtime: number, mode: number): Buffer {
  const h = Buffer.alloc(512);
  const { prefix, name } = splitName(path);
  field(h, 0, 100, name);
  field(h, 100, 8, octal(mode, 8));
  field(h, 108, 8, octal(0, 8));
  field(h, 116, 8, octal(0, 8));
  field(h, 124, 12, octal(size, 12));
  field(h, 136, 12, octal(mtime, 12));
  h.fill(' ', 148, 156); // the checksum is computed with its own field as spaces
  field(h, 156, 1, type);
  field(h, 257, 6, 'ustar\0');
  field(h, 263, 2, '00');
  field(h, 345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  field(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** The gzipped tar of `entries` under one top folder `root` (folders are added for every path). */
export function tarGz(root: string, entries: TarEntry[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  const dirs = new Set<string>();
  const addDirs = (path: string): void => {
    const segments = path.split('/').slice(0, -1);
    for (let i = 1; i <= segments.length; i++) {
      const dir = segments.slice(0, i).join('/');
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      parts.push(header(`${dir}/`, 0, '5', mtime, 0o755));
    }
  };
  for (const e of entries) {
    const path = `${root}/${e.path}`;
    addDirs(path);
    const body = typeof e.content === 'string' ? Buffer.from(e.content, 'utf8') : e.content;
    parts.push(
      header(path, body.length, '0', mtime, e.mode ?? 0o644),
      body,
      Buffer.alloc((512 - (body.length % 512)) % 512),
    );
  }
  parts.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return gzipSync(Buffer.concat(parts));
}
