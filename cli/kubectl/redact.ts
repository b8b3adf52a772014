// What `kubectl procos report` must never write: Secret values, and anything that looks like a
// credential. Three layers, because each alone leaks: the values of the Secrets the report read
// are replaced wherever they appear (plain or base64) — in annotations, logs, events, anything;
// values under credential-like keys (password, token, apiKey, …; env vars by their name) are
// replaced in objects; and credential shapes are replaced in any text (private keys, bearer and
// basic auth, passwords in URLs, JWTs, `password: …` / `token=…`).

export const REDACTED = '[redacted]';

const CREDENTIAL =
  'pass(?:word|wd|phrase)?|secret|token|api[-_.]?key|credential|private[-_.]?key|authorization|cookie|access[-_.]?key|session[-_.]?key';
const CREDENTIAL_KEY = new RegExp(`(${CREDENTIAL})`, 'i');
/** Keys that name or point at a credential without holding one: secretName, secretRef(s), tokenFile, …. */
const POINTER_KEY = new RegExp(
  `(${CREDENTIAL})[-_.]?(name|names|ref|refs|keyref|path|file|strategy|type|mount|count|expir\\w*)$`,
  'i',
);
/** A handler config's `{{secrets.NAME}}` placeholder names a secret, it is not one. */
const PLACEHOLDER = /^\{\{\s*secrets\.[A-Za-z0-9_.-]+\s*\}\}$/;

export function isCredentialKey(key: string): boolean {
  return CREDENTIAL_KEY.test(key) && !POINTER_KEY.test(key);
}

const PATTERNS: [RegExp, string][] = [
  [
    /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g,
    `-----BEGIN $1PRIVATE KEY-----${REDACTED}-----END $1PRIVATE KEY-----`,
  ],
  // A token has a digit or a symbol somewhere: "Basic authentication" is prose.
  [/\b(Bearer|Basic)\s+(?=[A-Za-z._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{6,}/g, `$1 ${REDACTED}`],
  [/\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s/]+@/gi, `$1${REDACTED}@`],
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]+/g, REDACTED],
  // `password: x`, `"token":"x"`, `apiKey=x`, `--client-secret=x` (one line; not a {{secrets.…}} placeholder).
  [
    new RegExp(`((?:${CREDENTIAL})[\\w.-]*["']?[ \\t]*[:=][ \\t]*["']?)(?!\\{\\{)([^\\s"',;&{}]+)`, 'gi'),
    `$1${REDACTED}`,
  ],
];

export class Redactor {
  /** Known secret values, longest first (so a value containing another is replaced whole). */
  private known: string[] = [];
  /** How many replacements were made, for the report's README. */
  replaced = 0;

  /** Values (decoded) that must appear nowhere; their base64 forms too. Values under 4 characters would hit too much. */
  addSecretValues(values: Iterable<string>): void {
    for (const v of values) {
      for (const form of [v, v.trim(), Buffer.from(v).toString('base64')])
        if (form.length >= 4 && !this.known.includes(form)) this.known.push(form);
    }
    this.known.sort((a, b) => b.length - a.length);
  }

  text(s: string): string {
    let r = s;
    for (const v of this.known) {
      if (!r.includes(v)) continue;
      const parts = r.split(v);
      this.replaced += parts.length - 1;
      r = parts.join(REDACTED);
    }
    for (const [pattern, replacement] of PATTERNS)
      r = r.replace(pattern, (...m: unknown[]) => {
        this.replaced++;
        return replacement.replace(/\$(\d)/g, (_, i: string) => {
          const group = m[Number(i)];
          return typeof group === 'string' ? group : '';
        });
      });
    return r;
  }

  /** A copy of `value` with credentials replaced: by key, by env var name, and in every string. */
  value<T>(value: T): T {
    return this.walk(value, undefined) as T;
  }

  private walk(v: unknown, key: string | undefined): unknown {
    if (typeof v === 'string') {
      // Already redacted (a Secret's keys with their sizes): keep what it says.
      if (v.startsWith(REDACTED)) return v;
      if (key !== undefined && isCredentialKey(key) && v !== '' && !PLACEHOLDER.test(v)) {
        this.replaced++;
        return REDACTED;
      }
      return this.text(v);
    }
    if (typeof v === 'number' && key !== undefined && isCredentialKey(key)) {
      this.replaced++;
      return REDACTED;
    }
    if (Array.isArray(v)) return v.map((x) => this.walk(x, undefined));
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    // An env var ({name, value}): its name says whether the value is a credential.
    const envName = typeof o.name === 'string' && typeof o.value === 'string' ? o.name : undefined;
    return Object.fromEntries(
      Object.entries(o).map(([k, x]) => [k, this.walk(x, k === 'value' && envName !== undefined ? envName : k)]),
    );
  }
}

/** A Secret as a report may show it: its keys and their sizes, never their values. */
export function redactSecret(secret: {
  metadata: { annotations?: Record<string, string> } & Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [k: string]: unknown;
}): Record<string, unknown> {
  const { data, stringData, ...rest } = secret;
  const annotations = { ...rest.metadata.annotations };
  // kubectl apply keeps the whole Secret, values included, in this annotation.
  if (annotations['kubectl.kubernetes.io/last-applied-configuration'])
    annotations['kubectl.kubernetes.io/last-applied-configuration'] = REDACTED;
  const sizes = (d: Record<string, string> | undefined, base64: boolean): Record<string, string> =>
    Object.fromEntries(
      Object.entries(d ?? {}).map(([k, v]) => [
        k,
        `${REDACTED} (${base64 ? Buffer.from(v, 'base64').length : Buffer.byteLength(v)} bytes)`,
      ]),
    );
  return {
    ...rest,
    metadata: { ...rest.metadata, ...(rest.metadata.annotations ? { annotations } : {}) },
    ...(data ? { data: sizes(data, true) } : {}),
    ...(stringData ? { stringData: sizes(stringData, false) } : {}),
  };
}

/** The decoded values of a Secret, for Redactor.addSecretValues. */
export function secretValues(secret: { data?: Record<string, string>; stringData?: Record<string, string> }): string[] {
  return [
    ...Object.values(secret.data ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8')),
    ...Object.values(secret.stringData ?? {}),
  ];
}
