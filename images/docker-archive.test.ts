import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imageArchitecture, writeDockerArchive, type ImageRuntimeConfig } from './docker-archive.js';

const dir = mkdtempSync(join(tmpdir(), 'procos-archive-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two small root file systems: files, a link, a sticky folder. */
function rootfs(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}
const lower = rootfs('lower', {
  'usr/bin/hello': '#!/bin/sh\necho hello\n',
  'etc/passwd': 'procos:x:65532:65532::/tmp:/x\n',
});
symlinkSync('usr/bin', join(lower, 'bin'));
mkdirSync(join(lower, 'tmp'));
chmodSync(join(lower, 'tmp'), 0o1777);
const upper = rootfs('upper', { 'app/main.js': 'console.log(1)\n' });

const config: ImageRuntimeConfig = {
  User: '65532:65532',
  Entrypoint: ['/usr/local/bin/node', '/app/main.js'],
  Env: ['NODE_ENV=production'],
  WorkingDir: '/app',
  ExposedPorts: { '9464/tcp': {} },
};

/** Unpacks an archive into a fresh folder: manifest, config and each layer file by name. */
function unpack(archive: string): {
  dir: string;
  manifest: { Config: string; RepoTags: string[]; Layers: string[] }[];
} {
  const out = mkdtempSync(join(dir, 'unpacked-'));
  execFileSync('tar', ['-xf', archive, '-C', out]);
  return { dir: out, manifest: JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as never };
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('writeDockerArchive', () => {
  it('gives the same bytes and image ID for the same folders', () => {
    const a = writeDockerArchive({ layers: [lower, upper], tag: 'procos.local/t:1', config, out: join(dir, 'a.tar') });
    const b = writeDockerArchive({ layers: [lower, upper], tag: 'procos.local/t:1', config, out: join(dir, 'b.tar') });
    expect(b.id).toBe(a.id);
    expect(sha256(join(dir, 'b.tar'))).toBe(sha256(join(dir, 'a.tar')));
    // ... and a different image when a file changes.
    writeFileSync(join(upper, 'app/main.js'), 'console.log(2)\n');
    try {
      const c = writeDockerArchive({
        layers: [lower, upper],
        tag: 'procos.local/t:1',
        config,
        out: join(dir, 'c.tar'),
      });
      expect(c.id).not.toBe(a.id);
      expect(c.diffIds[0]).toBe(a.diffIds[0]);
      expect(c.diffIds[1]).not.toBe(a.diffIds[1]);
    } finally {
      writeFileSync(join(upper, 'app/main.js'), 'console.log(1)\n');
    }
  });

  it('writes a manifest and config whose diff_ids are the sha256 of the layer tars', () => {
    const out = join(dir, 'image.tar');
    const result = writeDockerArchive({
      layers: [lower, upper],
      tag: 'procos.local/t:1',
      config,
      out,
      history: ['COPY layers/lower/ /', 'COPY layers/upper/ /'],
    });
    const { dir: unpacked, manifest } = unpack(out);
    expect(manifest).toHaveLength(1);
    const [entry] = manifest;
    expect(entry!.RepoTags).toEqual(['procos.local/t:1']);
    expect(entry!.Config).toBe(`${result.id.slice('sha256:'.length)}.json`);
    const configText = readFileSync(join(unpacked, entry!.Config));
    expect(`sha256:${createHash('sha256').update(configText).digest('hex')}`).toBe(result.id);
    const image = JSON.parse(configText.toString()) as {
      architecture: string;
      os: string;
      config: ImageRuntimeConfig;
      rootfs: { type: string; diff_ids: string[] };
      history: { created_by: string }[];
    };
    expect(image.architecture).toBe(imageArchitecture());
    expect(image.os).toBe('linux');
    expect(image.config).toEqual(config);
    expect(image.rootfs.type).toBe('layers');
    expect(image.rootfs.diff_ids).toEqual(entry!.Layers.map((l) => `sha256:${sha256(join(unpacked, l))}`));
    expect(image.rootfs.diff_ids).toEqual(result.diffIds);
    expect(image.history.map((h) => h.created_by)).toEqual(['COPY layers/lower/ /', 'COPY layers/upper/ /']);
    expect(result.size).toBe(result.layerSizes.reduce((a, b) => a + b, 0));
  });

  it('stores layers as root-owned, epoch-dated tars that keep links and modes', () => {
    const out = join(dir, 'modes.tar');
    writeDockerArchive({ layers: [lower], tag: 'procos.local/t:1', config, out });
    const { dir: unpacked, manifest } = unpack(out);
    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', join(unpacked, manifest[0]!.Layers[0]!)], {
      encoding: 'utf8',
    });
    const line = (name: string): string =>
      listing.split('\n').find((l) => l.endsWith(` ${name}`) || l.includes(` ${name} -> `))!;
    expect(line('./tmp/')).toMatch(/^drwxrwxrwt 0\/0 .* 1970-01-01 00:00 /);
    expect(line('./bin')).toMatch(/^lrwxrwxrwx 0\/0 .* \.\/bin -> usr\/bin$/);
    expect(line('./etc/passwd')).toMatch(/^-rw-r--r-- 0\/0 /);
  });

  it('reuses a cached layer tar while its key stays the same', () => {
    const cache = mkdtempSync(join(dir, 'cache-'));
    const first = writeDockerArchive({
      layers: [upper],
      tag: 'procos.local/t:1',
      config,
      out: join(dir, 'cached1.tar'),
      layerCache: { dir: cache, keys: ['upper-1'] },
    });
    writeFileSync(join(upper, 'app/main.js'), 'console.log(3)\n');
    try {
      // Same key: the cached tar (the old contents), as the caller promised nothing changed.
      const same = writeDockerArchive({
        layers: [upper],
        tag: 'procos.local/t:1',
        config,
        out: join(dir, 'cached2.tar'),
        layerCache: { dir: cache, keys: ['upper-1'] },
      });
      expect(same.diffIds).toEqual(first.diffIds);
      const changed = writeDockerArchive({
        layers: [upper],
        tag: 'procos.local/t:1',
        config,
        out: join(dir, 'cached3.tar'),
        layerCache: { dir: cache, keys: ['upper-2'] },
      });
      expect(changed.diffIds).not.toEqual(first.diffIds);
    } finally {
      writeFileSync(join(upper, 'app/main.js'), 'console.log(1)\n');
    }
  });

  it('stores a layer that two images share under one name', () => {
    const out = join(dir, 'twice.tar');
    const result = writeDockerArchive({ layers: [lower, lower], tag: 'procos.local/t:1', config, out });
    const { manifest } = unpack(out);
    expect(manifest[0]!.Layers[0]).toBe(manifest[0]!.Layers[1]);
    expect(result.diffIds[0]).toBe(result.diffIds[1]);
    const members = execFileSync('tar', ['-tf', out], { encoding: 'utf8' }).trim().split('\n');
    expect(members).toHaveLength(3); // manifest, config, one layer
  });
});
