import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../lib/testing/temp-dir.js';
import { unifiedDiff } from './unified-diff.js';

const labels = { from: 'a', to: 'b' };

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('x\ny\n', 'x\ny\n', labels)).toBe('');
  });

  it('prints hunks with three lines of context, as diff -u does', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const b = [...a];
    b[4] = 'changed 5';
    b.splice(15, 1);
    expect(unifiedDiff(`${a.join('\n')}\n`, `${b.join('\n')}\n`, labels)).toBe(
      [
        '--- a',
        '+++ b',
        '@@ -2,7 +2,7 @@',
        ' line 2',
        ' line 3',
        ' line 4',
        '-line 5',
        '+changed 5',
        ' line 6',
        ' line 7',
        ' line 8',
        '@@ -13,7 +13,6 @@',
        ' line 13',
        ' line 14',
        ' line 15',
        '-line 16',
        ' line 17',
        ' line 18',
        ' line 19',
        '',
      ].join('\n'),
    );
  });

  it('diffs against nothing like diff -u -N against /dev/null', () => {
    expect(unifiedDiff('', 'one\ntwo\n', labels)).toBe('--- a\n+++ b\n@@ -0,0 +1,2 @@\n+one\n+two\n');
  });

  it('agrees with GNU diff -u on edits of a longer text', () => {
    const dir = tempDir('procos-diff-');
    const a = Array.from({ length: 60 }, (_, i) => `<element id="e${i}" />`);
    const b = [...a];
    b.splice(3, 2, '<new/>');
    b.splice(30, 0, '<inserted/>', '<inserted again/>');
    b[50] = '<moved id="e51" />';
    const [fa, fb] = [join(dir, 'a'), join(dir, 'b')];
    writeFileSync(fa, `${a.join('\n')}\n`);
    writeFileSync(fb, `${b.join('\n')}\n`);
    let gnu = '';
    try {
      execFileSync('diff', ['-u', fa, fb], { encoding: 'utf8' });
    } catch (err) {
      gnu = (err as { stdout: string }).stdout;
    }
    const body = (d: string): string => d.split('\n').slice(2).join('\n');
    expect(body(unifiedDiff(`${a.join('\n')}\n`, `${b.join('\n')}\n`, labels))).toBe(body(gnu));
  });
});
