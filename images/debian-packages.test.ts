// On this machine's real dpkg database (the images need a Debian build machine anyway).
import { describe, expect, it } from 'vitest';
import { DpkgDatabase, MissingPackagesError, parseDependsField } from './debian-packages.js';
import { EXCLUDED_PACKAGES } from './images.js';

const db = new DpkgDatabase();

describe('parseDependsField', () => {
  it('splits groups and alternatives, dropping versions and arch qualifiers', () => {
    expect(parseDependsField('libc6 (>= 2.34), libblas3 | libblas.so.3, python3:any (>= 3.11~)')).toEqual([
      ['libc6'],
      ['libblas3', 'libblas.so.3'],
      ['python3'],
    ]);
    expect(parseDependsField(undefined)).toEqual([]);
  });
});

describe('DpkgDatabase.closure', () => {
  it('libstdc++6 brings libc6 and libgcc-s1, and nothing of perl', () => {
    const closure = db.closure(['libstdc++6'], { exclude: EXCLUDED_PACKAGES });
    expect(closure).toEqual(expect.arrayContaining(['libstdc++6', 'libc6', 'libgcc-s1']));
    expect(closure.filter((p) => p.startsWith('perl'))).toEqual([]);
  });

  it('python3: dpkg and perl come only without the exclusions', () => {
    // python3-minimal depends on dpkg, which Pre-Depends on tar, zstd, …: the exclusion is what keeps them out.
    const full = db.closure(['python3']);
    expect(full).toContain('dpkg');
    const pruned = db.closure(['python3'], { exclude: EXCLUDED_PACKAGES });
    expect(pruned).toEqual(expect.arrayContaining(['python3', 'libc6']));
    expect(pruned.some((p) => /^python3\.\d+-minimal$/.test(p))).toBe(true);
    for (const p of ['dpkg', 'perl-base', 'debconf', 'tar']) expect(pruned).not.toContain(p);
  });

  it('leaves out what a layer below already has', () => {
    const below = new Set(db.closure(['libstdc++6'], { exclude: EXCLUDED_PACKAGES }));
    const closure = db.closure(['bubblewrap'], { exclude: EXCLUDED_PACKAGES, have: below });
    expect(closure).toContain('bubblewrap');
    expect(closure).not.toContain('libc6');
  });

  it('takes a virtual package from an installed provider, and drops it when all providers are excluded', () => {
    // base-files Pre-Depends on awk, which mawk provides.
    expect(db.closure(['base-files'])).toContain('mawk');
    expect(db.closure(['base-files'], { exclude: { mawk: 'test' } })).not.toContain('mawk');
  });

  it('names missing packages and how to install them', () => {
    expect(() => db.closure(['libc6', 'procos-no-such-package'])).toThrow(MissingPackagesError);
    expect(() => db.closure(['procos-no-such-package'])).toThrow(
      /not installed: procos-no-such-package; install them with apt-get install --no-install-recommends procos-no-such-package/,
    );
  });
});

describe('DpkgDatabase files', () => {
  it('lists what dpkg -L lists', () => {
    const files = db.files('libc6');
    expect(files.some((f) => f.endsWith('/libc.so.6'))).toBe(true);
    expect(files).not.toContain('/.');
  });

  it("reads alternatives' links and targets", () => {
    for (const alt of db.alternatives()) {
      expect(alt.link).toMatch(/^\//);
      expect(alt.target).toMatch(/^\//);
    }
  });
});
