// Static credentials for simple setups: bearer tokens or user:password lines from a file (a
// Kubernetes Secret mounted as a file, say). Read once at start: a missing or empty file stops
// the engine there rather than leaving it open or shut by surprise. Compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { credentialsOf, type Verify } from './authorization-header.js';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Lines that carry a value: trimmed, without blank lines and # comments. */
function valueLines(file: string, what: string): { line: number; text: string }[] {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      cause: err,
    });
  }
  const lines = content
    .split(/\r?\n/)
    .map((text, i) => ({ line: i + 1, text: text.trim() }))
    .filter((l) => l.text !== '' && !l.text.startsWith('#'));
  if (!lines.length) throw new Error(`the ${what} file ${file} holds no ${what}`);
  return lines;
}

/** True when `candidate` equals one of `known`; every entry is compared, so timing tells nothing. */
function matchesOne(candidate: string, known: readonly Buffer[]): boolean {
  const c = digest(candidate);
  let found = false;
  for (const k of known) found = timingSafeEqual(c, k) || found;
  return found;
}

export function tokenVerifier(file: string): Verify {
  const tokens = valueLines(file, 'token').map((l) => digest(l.text));
  return (authorization) => {
    const token = credentialsOf(authorization, 'Bearer');
    if (!token) return Promise.resolve({ ok: false, reason: 'not a Bearer authorization' });
    return Promise.resolve(
      matchesOne(token, tokens)
        ? { ok: true, subject: 'token' }
        : { ok: false, reason: 'the bearer token is not one of the configured tokens' },
    );
  };
}

export function basicVerifier(file: string): Verify {
  const users = new Map<string, Buffer>();
  for (const { line, text } of valueLines(file, 'user:password')) {
    const colon = text.indexOf(':');
    if (colon < 1) throw new Error(`${file} line ${line}: expected user:password`);
    users.set(text.slice(0, colon), digest(text.slice(colon + 1)));
  }
  // An unknown user is compared against a dummy, so a wrong user takes as long as a wrong password.
  const dummy = digest('\u0000no such user');
  return (authorization) => {
    const encoded = credentialsOf(authorization, 'Basic');
    if (!encoded) return Promise.resolve({ ok: false, reason: 'not a Basic authorization' });
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) return Promise.resolve({ ok: false, reason: 'malformed Basic credentials' });
    const user = decoded.slice(0, colon);
    const known = users.get(user);
    const passwordMatches = matchesOne(decoded.slice(colon + 1), [known ?? dummy]);
    return Promise.resolve(
      known && passwordMatches
        ? { ok: true, subject: user }
        : { ok: false, reason: known ? `wrong password for user '${user}'` : `unknown user '${user}'` },
    );
  };
}
