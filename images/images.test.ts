import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMAGES, LAYERS, USER_ID, definitionProblems, imageTag, runtimeConfig } from './images.js';

const root = join(import.meta.dirname, '..');

describe('image definitions', () => {
  it('are consistent: every layer exists, Debian layers sit on the layers they subtract', () => {
    expect(definitionProblems()).toEqual([]);
  });

  it('every layer is used by some image', () => {
    const used = new Set(IMAGES.flatMap((i) => i.layers));
    expect(LAYERS.map((l) => l.name).filter((n) => !used.has(n))).toEqual([]);
  });

  it.each(IMAGES.map((i) => [i.name, i] as const))(
    '%s runs its bin/ entry point as the non-root user',
    (name, image) => {
      const [node, script] = image.entrypoint;
      expect(node).toBe('/usr/local/bin/node');
      expect(script).toBe(`/app/bin/procos-${name}.js`);
      expect(existsSync(join(root, 'bin', `procos-${name}.js`))).toBe(true);
      const config = runtimeConfig(image, { version: '1.2.3', license: 'Apache-2.0' });
      expect(config.User).toBe(`${USER_ID}:${USER_ID}`);
      expect(config.WorkingDir).toBe('/app');
      expect(imageTag(image, '1.2.3')).toBe(`procos.local/procos-${name}:1.2.3`);
    },
  );

  it("exposes the ports each binary's --help names as its defaults", () => {
    const source = (file: string): string => readFileSync(join(root, file), 'utf8');
    const expose = (name: string): number[] => IMAGES.find((i) => i.name === name)!.ports;
    expect(source('engine/main.ts')).toMatch(/--port PORT +gRPC port \(default 26500/);
    expect(source('engine/main.ts')).toMatch(/\(default 9600\)/);
    expect(expose('engine')).toEqual([26500, 9600]);
    expect(source('operator/main.ts')).toMatch(/--metrics-port PORT .*\(default 8080/);
    expect(expose('operator')).toEqual([8080]);
    expect(source('workers/main.ts')).toMatch(/--http-port N .*\(default 9464/);
    expect(expose('worker')).toEqual([9464]);
  });
});
