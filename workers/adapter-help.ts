// `procos-worker --help-adapter NAME`: every config field of an adapter, from its zod schema
// (the same schema that checks a pool at start), so the help cannot drift from the code.
import { z } from 'zod';
import type { AdapterEntry } from './adapters/index.js';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map(typeOf).join(' | ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object')
    return `map of ${typeOf(s.additionalProperties)}`;
  return Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'any');
}

function fields(s: JsonSchema, prefix: string, out: string[]): void {
  const alts = s.anyOf ?? s.oneOf;
  if (!s.properties && alts) {
    for (const alt of alts) fields(alt, prefix, out);
    return;
  }
  for (const [name, field] of Object.entries(s.properties ?? {})) {
    const path = `${prefix}${name}`;
    const flags = [
      s.required?.includes(name) && field.default === undefined ? 'required' : undefined,
      field.default !== undefined ? `default ${JSON.stringify(field.default)}` : undefined,
    ].filter(Boolean);
    out.push(`  ${path}  (${typeOf(field)}${flags.length ? `; ${flags.join('; ')}` : ''})`);
    if (field.description) out.push(`      ${field.description}`);
    if (field.properties) fields(field, `${path}.`, out);
    if (field.type === 'array' && field.items?.properties) fields(field.items, `${path}[].`, out);
  }
}

export function adapterHelp(entry: AdapterEntry): string {
  const schema = z.toJSONSchema(entry.configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out = [`${entry.name}: ${entry.summary}`, '', 'config fields:'];
  fields(schema, '', out);
  out.push(
    '',
    'String values may say {{secrets.NAME}}: the worker reads NAME from --secrets-dir, else from the environment.',
  );
  return `${out.join('\n')}\n`;
}
