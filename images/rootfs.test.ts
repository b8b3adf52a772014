import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LayerPlan, imagePath, materialize, mergedView, resolveInImage } from './rootfs.js';

const dir = mkdtempSync(join(tmpdir(), 'procos-rootfs-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('imagePath', () => {
  it('maps the merged-/usr folders into /usr', () => {
    expect(imagePath('/lib/x86_64-linux-gnu/libc.so.6')).toBe('/usr/lib/x86_64-linux-gnu/libc.so.6');
    expect(imagePath('/lib64/ld-linux-x86-64.so.2')).toBe('/usr/lib64/ld-linux-x86-64.so.2');
    expect(imagePath('/bin')).toBe('/usr/bin');
    expect(imagePath('/usr/bin/python3')).toBe('/usr/bin/python3');
    expect(imagePath('/library/x')).toBe('/library/x');
    expect(imagePath('/.')).toBe('/');
  });
});

describe('LayerPlan', () => {
  it('names every parent folder, and refuses a path below one of its links', () => {
    const plan = new LayerPlan('t');
    plan.add('/etc/x/y', { type: 'file', mode: 0o644, content: 'y' });
    expect(plan.entries.get('etc')).toEqual({ type: 'dir', mode: 0o755 });
    expect(plan.entries.get('etc/x')).toEqual({ type: 'dir', mode: 0o755 });
    plan.add('/lib', { type: 'symlink', target: 'usr/lib' });
    expect(() => plan.add('/lib/z', { type: 'file', mode: 0o644, content: '' })).toThrow(
      /below \/lib, which is a symlink/,
    );
    expect(() => plan.add('/etc', { type: 'symlink', target: 'x' }, { override: true })).toThrow(/is a folder/);
  });

  it('keeps a folder once, refuses two different files at one path unless overriding', () => {
    const plan = new LayerPlan('t');
    plan.add('/a', { type: 'dir', mode: 0o755 });
    plan.add('/a', { type: 'dir', mode: 0o755 });
    plan.add('/a/f', { type: 'file', mode: 0o644, content: '1' });
    expect(() => plan.add('/a/f', { type: 'file', mode: 0o644, content: '2' })).toThrow(/added twice/);
    plan.add('/a/f', { type: 'file', mode: 0o644, content: '2' }, { override: true });
    expect(plan.entries.get('a/f')).toMatchObject({ content: '2' });
  });
});

describe('materialize', () => {
  const source = join(dir, 'script.sh');
  writeFileSync(source, '#!/bin/sh\n', { mode: 0o700 });

  const plan = new LayerPlan('t');
  plan.add('/tmp', { type: 'dir', mode: 0o1777 });
  plan.add('/etc/passwd', { type: 'file', mode: 0o644, content: 'root:x:0:0::/:/x\n' });
  plan.addFromHost('/usr/bin/script', source);
  plan.add('/bin', { type: 'symlink', target: 'usr/bin' });

  it('writes the folder with normalized modes, then reuses it for the same digest', () => {
    const layer = join(dir, 'layer');
    expect(materialize(plan, layer, plan.digest('salt'))).toBe(false);
    expect(lstatSync(join(layer, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(lstatSync(join(layer, 'etc')).mode & 0o7777).toBe(0o755);
    expect(lstatSync(join(layer, 'etc/passwd')).mode & 0o7777).toBe(0o644);
    // 0700 on the machine, 0755 in the image: readable by the image's non-root user.
    expect(lstatSync(join(layer, 'usr/bin/script')).mode & 0o7777).toBe(0o755);
    expect(readlinkSync(join(layer, 'bin'))).toBe('usr/bin');
    expect(readFileSync(join(layer, 'etc/passwd'), 'utf8')).toBe('root:x:0:0::/:/x\n');

    writeFileSync(join(layer, 'marker'), '');
    expect(materialize(plan, layer, plan.digest('salt'))).toBe(true);
    expect(lstatSync(join(layer, 'marker')).isFile()).toBe(true);
    // A different digest (another plan, or another builder) rebuilds it from scratch.
    expect(materialize(plan, layer, plan.digest('other salt'))).toBe(false);
    expect(() => lstatSync(join(layer, 'marker'))).toThrow();
  });

  it("digests the plan, including the copied files' size and time", () => {
    const before = plan.digest('salt');
    const copy = new LayerPlan('t');
    for (const [path, entry] of plan.entries) copy.add(`/${path}`, entry);
    expect(copy.digest('salt')).toBe(before);
    writeFileSync(source, '#!/bin/sh\necho changed\n');
    const changed = new LayerPlan('t');
    changed.addFromHost('/usr/bin/script', source);
    expect(changed.digest('salt')).not.toBe(before);
  });
});

describe('mergedView and resolveInImage', () => {
  const os = new LayerPlan('os');
  os.add('/bin', { type: 'symlink', target: 'usr/bin' });
  os.add('/lib64', { type: 'symlink', target: 'usr/lib64' });
  os.add('/usr/lib/x/libc.so.6', { type: 'file', mode: 0o755, content: '' });
  os.add('/usr/lib64/ld.so', { type: 'symlink', target: '/lib/x/libc.so.6' });
  os.add('/lib', { type: 'symlink', target: 'usr/lib' });
  const tools = new LayerPlan('tools');
  tools.add('/usr/bin/sh', { type: 'symlink', target: 'dash' });
  tools.add('/usr/bin/dash', { type: 'file', mode: 0o755, content: '' });

  it('resolves absolute and relative links across layers', () => {
    const merged = mergedView([os, tools]);
    expect(resolveInImage(merged, '/bin/sh')).toBe('usr/bin/dash');
    expect(resolveInImage(merged, '/lib64/ld.so')).toBe('usr/lib/x/libc.so.6');
    expect(resolveInImage(merged, '/usr/bin/../lib/x/libc.so.6')).toBe('usr/lib/x/libc.so.6');
    expect(resolveInImage(merged, '/usr/bin/bash')).toBeUndefined();
  });

  it('refuses a layer that puts a folder where a lower layer has a link (it would replace /lib)', () => {
    const bad = new LayerPlan('bad');
    bad.add('/lib/x/other.so', { type: 'file', mode: 0o644, content: '' });
    expect(() => mergedView([os, bad])).toThrow(/do not stack:\n {2}\/lib: a symlink in layer os, a dir in layer bad/);
  });
});
