// `{{secrets.NAME}}` in a handler's config is resolved by the worker at execution time — from a
// file NAME in --secrets-dir (a mounted Secret volume, re-read so a rotated Secret takes effect)
// or else from the environment variable NAME — never from process variables: a value in a
// variable is data, and resolving placeholders there would let any process read every secret.
// Every value handed out is remembered, and redact() removes them from what leaves the worker.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const PLACEHOLDER = /\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;
const REDACTED = '[redacted]';

export class SecretNotFound extends Error {
  constructor(
    readonly secretName: string,
    where: string,
  ) {
    super(`secret '${secretName}' not found (${where})`);
    this.name = 'SecretNotFound';
  }
}

export class SecretStore {
  private readonly known = new Set<string>();

  constructor(
    private readonly dir: string | undefined,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Where a name is looked for, for messages. */
  describe(name: string): string {
    return `${this.dir ? `no file ${join(this.dir, name)}, ` : 'no --secrets-dir, '}no environment variable ${name}`;
  }

  get(name: string): string {
    let value: string | undefined;
    if (this.dir) {
      try {
        // Secret volumes hold the value as is; a trailing newline is an editor's, not the secret's.
        value = readFileSync(join(this.dir, name), 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    value ??= this.env[name];
    if (value === undefined) throw new SecretNotFound(name, this.describe(name));
    if (value.length >= 4) this.known.add(value); // shorter values would redact ordinary text
    return value;
  }

  /** Replaces every known secret value in a string. */
  redact(text: string): string {
    let out = text;
    for (const v of this.known) if (out.includes(v)) out = out.split(v).join(REDACTED);
    return out;
  }

  /** Deep copy of a JSON value with every known secret value replaced in its strings. */
  redactDeep<T>(value: T): T {
    if (this.known.size === 0) return value;
    return mapStrings(value, (s) => this.redact(s)) as T;
  }
}

/** The secret names a value mentions (deep), to check at start that each exists. */
export function secretNames(value: unknown): string[] {
  const names = new Set<string>();
  mapStrings(value, (s) => {
    for (const m of s.matchAll(PLACEHOLDER)) if (m[1]) names.add(m[1]);
    return s;
  });
  return [...names];
}

/** Deep copy with `{{secrets.NAME}}` replaced in every string; throws SecretNotFound. */
export function resolveSecrets<T>(value: T, store: SecretStore): T {
  return mapStrings(value, (s) =>
    s.includes('secrets.') ? s.replace(PLACEHOLDER, (_, n: string) => store.get(n)) : s,
  ) as T;
}

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, f);
    return out;
  }
  return value;
}
