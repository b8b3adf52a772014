import { describe, expect, it } from 'vitest';
import { workerPoolSpec } from '../../api/index.js';
import { handlerProblems } from './handler-check.js';

const spec = (handlers: unknown[]) =>
  workerPoolSpec.parse({
    taskTypes: (handlers as { taskType: string }[]).map((h) => h.taskType),
    handlers,
  });

describe('handlerProblems (the adapters’ own schemas, checked before pods roll)', () => {
  it('accepts configs the workers accept', async () => {
    const ok = spec([{ taskType: 'greet', adapter: 'format', config: { template: 'hi', output: 'greeting' } }]);
    expect(await handlerProblems(ok)).toEqual([]);
  });

  it('names the handler, the field and the rule of a config the workers would refuse', async () => {
    const bad = spec([
      { taskType: 'mail', adapter: 'smtp', config: { host: 'mail.example.com', port: 99999, from: 'a@b.c' } },
    ]);
    const problems = await handlerProblems(bad);
    expect(problems.some((p) => p.startsWith('spec.handlers[0] (mail).config.port: '))).toBe(true);
    expect(problems.some((p) => p.startsWith('spec.handlers[0] (mail).config.to: '))).toBe(true);
  });

  it('does not judge a field whose value is a {{secrets.*}} placeholder (known only in the pods)', async () => {
    const mail = (port: unknown) =>
      spec([
        {
          taskType: 'mail',
          adapter: 'smtp',
          config: { host: '{{secrets.SMTP_HOST}}', port, from: 'a@b.c', to: ['x@y.z'], subject: 's', text: 't' },
        },
      ]);
    expect(await handlerProblems(mail(587))).toEqual([]);
    // The placeholder does not hide a mistake in another field.
    expect(await handlerProblems(mail(0))).toEqual([
      expect.stringMatching(/^spec\.handlers\[0\] \(mail\)\.config\.port: /),
    ]);
  });
});
