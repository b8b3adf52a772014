import { describe, expect, it } from 'vitest';
import { boundMessage, boundTaskTypes, listItems, statusProblems } from './status-bounds.js';

describe('status bounds', () => {
  it('cuts a long message and says how much was cut', () => {
    const m = boundMessage('x'.repeat(40_000));
    expect(m.length).toBe(4096);
    expect(m).toMatch(/ … \(\d+ more characters\)$/);
  });

  it('never splits an emoji', () => {
    const m = boundMessage('😀'.repeat(100), 51);
    expect(m).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('replaces control characters, keeps tabs and newlines', () => {
    expect(boundMessage('a\u0000b\tc\nd\u001b')).toBe('a\uFFFDb\tc\nd\uFFFD');
  });

  it('names ten items and counts the rest', () => {
    expect(listItems(Array.from({ length: 12 }, (_, i) => `t${i}`))).toBe(
      "'t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9' and 2 more",
    );
    expect(listItems(['y'.repeat(300)])).toMatch(/^'y{119}…'$/);
  });

  it('keeps status.taskTypes within the CRD and says what it left out', () => {
    const types = [...Array.from({ length: 300 }, (_, i) => `t${i}`), 'with space', 'z'.repeat(300)];
    const bounded = boundTaskTypes(types);
    expect(bounded.taskTypes).toHaveLength(256);
    expect(bounded.note).toBe(
      'status.taskTypes lists the first 256 of 300 job types; 2 job types longer than 255 characters or with whitespace left out',
    );
    expect(statusProblems({ taskTypes: bounded.taskTypes })).toEqual([]);
  });

  it('finds what the CRD would refuse before the apiserver does', () => {
    expect(statusProblems({ bpmnProcessId: 'p'.repeat(300) })).toEqual([
      'bpmnProcessId: Too big: expected string to have <=255 characters',
    ]);
  });
});
