// The `authorization` header (RFC 9110 §11.6.2): a scheme, then its credentials.

export type AuthResult = { ok: true; subject: string } | { ok: false; reason: string };

/** Checks one `authorization` header value; never throws. */
export type Verify = (authorization: string) => Promise<AuthResult>;

/** The credentials after `scheme ` in an authorization header, if it uses that scheme. */
export function credentialsOf(authorization: string, scheme: 'Bearer' | 'Basic'): string | undefined {
  const space = authorization.indexOf(' ');
  if (space < 0 || authorization.slice(0, space).toLowerCase() !== scheme.toLowerCase()) return undefined;
  const credentials = authorization.slice(space + 1).trim();
  return credentials || undefined;
}
