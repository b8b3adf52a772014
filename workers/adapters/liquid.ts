// The one Liquid engine every adapter renders templates with (format, http, smtp, ai).
// LiquidJS cannot run arbitrary code, but its default file system lets {% include %} and
// {% render %} read files under the worker's working directory — a template here gets none.
import { Liquid } from 'liquidjs';
import { z } from 'zod';

const noFiles = {
  exists: () => Promise.resolve(false),
  existsSync: () => false,
  readFile: () => Promise.reject(new Error('templates cannot include files')),
  readFileSync: (): string => {
    throw new Error('templates cannot include files');
  },
  resolve: (_dir: string, file: string) => file,
};

export const liquid = new Liquid({
  strictFilters: true,
  ownPropertyOnly: true,
  cache: 256,
  fs: noFiles,
  relativeReference: false,
});

/** Why a template does not parse, or undefined when it does. */
export function templateError(template: string): string | undefined {
  try {
    liquid.parse(template);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** A config field holding a Liquid template: refused at start when it does not parse. */
export function templateField(what: string, maxBytes = 64 * 1024): z.ZodString {
  return z
    .string()
    .max(maxBytes)
    .refine((t) => templateError(t) === undefined, {
      error: (issue) => `the template does not parse: ${templateError(String(issue.input)) ?? ''}`,
    })
    .describe(`${what} (a Liquid template over the job variables and task headers)`);
}
