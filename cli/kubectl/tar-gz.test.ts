import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../lib/testing/temp-dir.js';
import { tarGz } from './tar-gz.js';

describe('tarGz', () => {
  it('writes an archive GNU tar lists and extracts, long paths and binary content included', () => {
    const dir = tempDir('procos-tar-');
    const long = `namespaces/${'n'.repeat(60)}/logs/${'p'.repeat(70)}.worker.log`;
    const binary = Buffer.from([0, 1, 2, 255, 254]);
    writeFileSync(
      join(dir, 'b.tar.gz'),
      tarGz('bundle', [
        { path: 'README.txt', content: 'hello\n' },
        { path: long, content: 'x'.repeat(1000) },
        { path: 'bin/data', content: binary },
      ]),
    );
    const listed = execFileSync('tar', ['-tzf', join(dir, 'b.tar.gz')], { encoding: 'utf8' }).split('\n');
    expect(listed).toContain('bundle/README.txt');
    expect(listed).toContain(`bundle/${long}`);
    execFileSync('tar', ['-xzf', join(dir, 'b.tar.gz'), '-C', dir]);
    expect(readFileSync(join(dir, 'bundle/README.txt'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(dir, 'bundle', long), 'utf8')).toBe('x'.repeat(1000));
    expect(readFileSync(join(dir, 'bundle/bin/data'))).toEqual(binary);
  });
});
