import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containerfile, copyInstruction, parseContainerfile } from './containerfile.js';
import { writeDockerArchive, type ImageRuntimeConfig } from './docker-archive.js';
import { IMAGES, USER_ID, imageTag, runtimeConfig } from './images.js';

const project = { version: '9.8.7', license: 'Apache-2.0' };
const dir = mkdtempSync(join(tmpdir(), 'procos-containerfile-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('containerfile', () => {
  it.each(IMAGES.map((i) => [i.name, i] as const))('%s: FROM scratch, one COPY per layer in order', (_, image) => {
    const text = containerfile({
      tag: imageTag(image, project.version),
      layers: image.layers,
      config: runtimeConfig(image, project),
    });
    const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines[0]).toBe('FROM scratch');
    expect(lines.slice(1, 1 + image.layers.length)).toEqual(image.layers.map((l) => `COPY layers/${l}/ /`));
    expect(parseContainerfile(text).layers).toEqual(image.layers);
  });

  it.each(IMAGES.map((i) => [i.name, i] as const))(
    '%s: the same USER, ENTRYPOINT, ENV, WORKDIR, ports and labels as the archive config',
    (_, image) => {
      // The archive of the image's config, from stand-in layer folders.
      const layers = image.layers.map((name) => {
        const layer = join(dir, image.name, name);
        mkdirSync(layer, { recursive: true });
        writeFileSync(join(layer, `${name}.txt`), name);
        return layer;
      });
      const tag = imageTag(image, project.version);
      const config = runtimeConfig(image, project);
      const out = join(dir, `${image.name}.tar`);
      const archive = writeDockerArchive({ layers, tag, config, out, history: image.layers.map(copyInstruction) });
      const unpacked = join(dir, `${image.name}-unpacked`);
      mkdirSync(unpacked);
      execFileSync('tar', ['-xf', out, '-C', unpacked]);
      const archived = JSON.parse(readFileSync(join(unpacked, `${archive.id.slice(7)}.json`), 'utf8')) as {
        config: ImageRuntimeConfig;
        history: { created_by: string }[];
      };

      const fromFile = parseContainerfile(containerfile({ tag, layers: image.layers, config }));
      expect(fromFile.config).toEqual(archived.config);
      expect(archived.config.User).toBe(`${USER_ID}:${USER_ID}`);
      expect(archived.config.Entrypoint).toEqual(image.entrypoint);
      expect(archived.config.Env).toContain('NODE_ENV=production');
      expect(archived.history.map((h) => h.created_by)).toEqual(image.layers.map((l) => `COPY layers/${l}/ /`));
    },
  );

  it('quotes ENV and LABEL values so a Dockerfile parser reads them back unchanged', () => {
    const config: ImageRuntimeConfig = {
      Env: ['A=with space', 'B=quote " and back\\slash', 'C=$HOME'],
      Labels: { 'x.y': 'a "b"' },
    };
    const text = containerfile({ tag: 't', layers: ['l'], config });
    expect(text).toContain('ENV C="\\$HOME"');
    expect(parseContainerfile(text).config).toEqual(config);
  });
});
