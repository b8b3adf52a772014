import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DpkgDatabase } from './debian-packages.js';
import { readElfDynamic, unresolvedLibraries } from './elf-linkage.js';
import { LayerPlan, imagePath, mergedView } from './rootfs.js';

describe('readElfDynamic', () => {
  it('reads the libraries a program links, as readelf does', () => {
    const dynamic = readElfDynamic('/usr/bin/python3')!;
    const readelf = execFileSync('readelf', ['-d', '/usr/bin/python3'], { encoding: 'utf8' });
    const needed = [...readelf.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    expect(needed.length).toBeGreaterThan(0);
    expect(dynamic.needed).toEqual(needed);
  });

  it('is undefined for files that are not dynamic ELF', () => {
    expect(readElfDynamic('/etc/passwd')).toBeUndefined();
    expect(readElfDynamic('/usr/bin/scilab-cli')).toBeUndefined(); // a shell script
  });
});

describe('unresolvedLibraries', () => {
  const db = new DpkgDatabase();
  const program = new LayerPlan('program');
  program.addFromHost('/usr/bin/bwrap');

  it("names what a program's libraries lack until their packages are in a layer below", () => {
    const alone = unresolvedLibraries(mergedView([program]));
    expect(alone.map((u) => u.library)).toEqual(expect.arrayContaining(['libc.so.6', 'libcap.so.2']));
    expect(alone.every((u) => u.file === '/usr/bin/bwrap')).toBe(true);

    const libs = new LayerPlan('libs');
    for (const pkg of db.closure(['bubblewrap']).filter((p) => p !== 'bubblewrap'))
      for (const path of db.files(pkg)) {
        const target = imagePath(path);
        if (target !== '/') libs.addFromHost(target, target);
      }
    // Merged /usr: the loader and libraries are found through the /lib and /lib64 links too.
    for (const top of ['lib', 'lib64']) libs.add(`/${top}`, { type: 'symlink', target: `usr/${top}` });
    expect(unresolvedLibraries(mergedView([libs, program]))).toEqual([]);
  });
});
