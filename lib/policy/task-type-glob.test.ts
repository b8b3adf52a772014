import { describe, expect, it } from 'vitest';
import { disallowedTaskTypes, globToRegExp } from './task-type-glob.js';

describe('task type globs', () => {
  it.each([
    ['hello.*', 'hello.greet', true],
    ['hello.*', 'hellox', false],
    ['io.camunda.*', 'io.camunda.zeebe:userTask', true],
    ['ai-?', 'ai-1', true],
    ['ai-?', 'ai-10', false],
    ['script.[a-c]', 'script.b', true],
    ['script.[a-c]', 'script.d', false],
    ['exact', 'exact', true],
    ['a.b', 'aXb', false],
  ])('%s matches %s: %s', (glob, type, expected) => {
    expect(globToRegExp(glob).test(type)).toBe(expected);
  });

  it('lists the job types no glob allows', () => {
    expect(disallowedTaskTypes(['hello.greet', 'send-email', 'hello.reply'], ['hello.*'])).toEqual(['send-email']);
  });
});
