// A throwaway CA and a server certificate for `localhost` (the name only, no IP entry: a client
// that connects to the checked address must still verify the name), made with the openssl CLI
// in a temporary folder that is removed with the test file.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../lib/testing/temp-dir.js';

export interface TestCertificates {
  /** PEM of the CA, what a client trusts through tls.ca. */
  ca: string;
  /** PEM certificate and key for a server named localhost. */
  cert: string;
  key: string;
}

/** Call at describe level (or in a test): the files live as long as tempDir keeps them. */
export function testCertificates(): TestCertificates {
  const dir = tempDir('procos-tls-');
  const at = (f: string) => join(dir, f);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ProcOS test CA');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(at('server.ext'), 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'server.ext',
    '-out',
    'server.pem',
  );
  return {
    ca: readFileSync(at('ca.pem'), 'utf8'),
    cert: readFileSync(at('server.pem'), 'utf8'),
    key: readFileSync(at('server.key'), 'utf8'),
  };
}
