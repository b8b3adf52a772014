// Plaintext without authentication is the default only where nobody else can connect: on a
// loopback address. Anywhere else the engine still starts (a private network may be enough),
// but says loudly what is open.
import { isIP } from 'node:net';
import type { AuthMode } from './authenticator.js';

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/** The warnings for serving on `host` with this authentication and transport; none on loopback. */
export function exposureWarnings(o: { host: string; auth: AuthMode; tls: boolean }): string[] {
  if (isLoopback(o.host)) return [];
  const warnings: string[] = [];
  if (o.auth === 'none')
    warnings.push(
      `SECURITY WARNING: procos-engine listens on ${o.host} WITHOUT AUTHENTICATION: anyone who can reach its ports ` +
        'can deploy and run processes and read every variable. Pass --auth oidc, token or basic (see --help), ' +
        'or bind a loopback address (--host 127.0.0.1).',
    );
  if (!o.tls)
    warnings.push(
      `SECURITY WARNING: procos-engine listens on ${o.host} WITHOUT TLS: requests, variables and credentials ` +
        'cross the network in plaintext. Pass --tls-cert and --tls-key.',
    );
  return warnings;
}
