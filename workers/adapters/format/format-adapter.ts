// format: renders a Liquid template (LiquidJS: no arbitrary code; no file access, see liquid.ts) from the
// job's variables — and the task's headers, which variables of the same name override — into
// one output variable, as text or parsed as JSON.
import { liquid } from '../liquid.js';
import { z } from 'zod';
import type { ServiceAdapter } from '../service-adapter.js';

export const formatConfig = z
  .object({
    template: z
      .string()
      .min(1)
      .max(64 * 1024)
      .refine(
        (t) => {
          try {
            liquid.parse(t);
            return true;
          } catch {
            return false;
          }
        },
        { error: (issue) => `the template does not parse: ${parseError(String(issue.input))}` },
      )
      .describe('Liquid template (https://liquidjs.com); sees the task headers and the job variables (which win).'),
    output: z.string().min(1).max(255).default('formatted').describe('Variable the result is written to.'),
    as: z
      .enum(['text', 'json'])
      .default('text')
      .describe('text: the rendered string; json: the rendered text parsed as JSON (a failure is an incident).'),
  })
  .strict();

export type FormatConfig = z.infer<typeof formatConfig>;

function parseError(template: string): string {
  try {
    liquid.parse(template);
    return 'unknown error';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export const formatAdapter: ServiceAdapter<FormatConfig> = {
  name: 'format',
  summary: 'a Liquid template over the variables and task headers, rendered to text or JSON into one variable',
  configSchema: formatConfig,
  /** Only what the template names (headers are not variables); an empty list fetches all. */
  fetchVariables: (config) => liquid.globalVariablesSync(config.template),
  async execute(variables, config, context) {
    const text: string = String(await liquid.parseAndRender(config.template, { ...context.headers, ...variables }));
    if (config.as === 'text') return { [config.output]: text };
    try {
      return { [config.output]: JSON.parse(text) as unknown };
    } catch (err) {
      throw new Error(
        `format: the rendered template is not JSON (as: json): ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  },
};
