// Loads the sample manifests (valid) and the invalid fixtures with what each must produce.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export interface InvalidFixture {
  file: string;
  doc: Record<string, unknown>;
  /** Which layer rejects it: a CEL rule, the OpenAPI schema, or list-type uniqueness. */
  rejectedBy: 'cel' | 'schema' | 'list-type';
  /** Field path as the apiserver and zod print it: spec.handlers[0].adapter */
  field: string;
  message: string;
}

const here = fileURLToPath(new URL('.', import.meta.url));
export const SAMPLES_DIR = join(here, '../../../processes/samples');
export const INVALID_DIR = join(here, 'invalid');

export function loadSamples(): { file: string; doc: Record<string, unknown> }[] {
  return yamlFiles(SAMPLES_DIR).map((file) => ({
    file,
    doc: parse(readFileSync(join(SAMPLES_DIR, file), 'utf8')) as Record<string, unknown>,
  }));
}

export function loadInvalidFixtures(): InvalidFixture[] {
  return yamlFiles(INVALID_DIR).map((file) => {
    const text = readFileSync(join(INVALID_DIR, file), 'utf8');
    const header = (key: string): string => {
      const m = new RegExp(`^# ${key}: (.*)$`, 'm').exec(text);
      if (!m?.[1]) throw new Error(`${file}: missing "# ${key}:" header`);
      return m[1].trim();
    };
    return {
      file,
      doc: parse(text) as Record<string, unknown>,
      rejectedBy: header('rejected-by') as InvalidFixture['rejectedBy'],
      field: header('field'),
      message: header('message'),
    };
  });
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}
