import { describe, expect, it } from 'vitest';
import { testJobContext } from '../../testing/job-context.js';
import { formatAdapter, formatConfig } from './format-adapter.js';

const context = testJobContext({ headers: { style: 'short' } });

describe('format adapter', () => {
  it('renders variables and task headers into the output variable (variables win over headers)', async () => {
    const config = formatConfig.parse({ template: '{{ greeting }} ({{ style }} reply)', output: 'reply' });
    expect(await formatAdapter.execute({ greeting: 'Hello, Ada!' }, config, context)).toEqual({
      reply: 'Hello, Ada! (short reply)',
    });
    expect(await formatAdapter.execute({ greeting: 'Hi', style: 'own' }, config, context)).toEqual({
      reply: 'Hi (own reply)',
    });
  });

  it('writes to "formatted" by default and can parse the result as JSON', async () => {
    expect(await formatAdapter.execute({ n: 3 }, formatConfig.parse({ template: 'n={{ n }}' }), context)).toEqual({
      formatted: 'n=3',
    });
    const json = formatConfig.parse({ template: '{"total": {{ a | plus: b }}}', as: 'json', output: 'sum' });
    expect(await formatAdapter.execute({ a: 2, b: 5 }, json, context)).toEqual({ sum: { total: 7 } });
  });

  it('fails, saying why, when the rendered text is not the JSON it promised', async () => {
    const json = formatConfig.parse({ template: 'not json {{ a }}', as: 'json' });
    await expect(formatAdapter.execute({ a: 1 }, json, context)).rejects.toThrow(
      /^format: the rendered template is not JSON \(as: json\): /,
    );
  });

  it('cannot reach beyond the variables (no prototype walking, no unknown filters)', () => {
    expect(formatConfig.safeParse({ template: '{{ a | shell: "rm" }}' }).success).toBe(false);
  });

  it('cannot read files: {% include %} and {% render %} find nothing', async () => {
    for (const tag of ['include', 'render']) {
      const config = formatConfig.parse({ template: `{% ${tag} "package.json" %}` });
      await expect(formatAdapter.execute({}, config, context)).rejects.toThrow(/Failed to lookup "package.json"/);
    }
  });

  it('fetches only the variables the template names', () => {
    const config = formatConfig.parse({
      template: '{{ greeting }} {{ order.id }} {% for x in items %}{{ x }}{% endfor %}',
    });
    expect(formatAdapter.fetchVariables?.(config)).toEqual(['greeting', 'order', 'items']);
  });
});
