// A tiny OAuth 2 / OIDC token issuer on loopback for tests: client-credentials tokens (what the
// SDK's OAUTH strategy asks for at CAMUNDA_OAUTH_URL) signed with a key jose generates, its
// JWKS, and a discovery document. Each client's tokens can be made wrong on purpose.
import { createServer, type Server } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';

export type TokenFlaw =
  /** A good token. */
  | 'none'
  /** Expired half an hour ago. */
  | 'expired'
  /** Signed with a key that is not in the JWKS (same kid). */
  | 'forged'
  /** Names another issuer. */
  | 'wrong-issuer';

export interface TokenIssuer {
  issuer: string;
  tokenUrl: string;
  jwksUrl: string;
  /** Registers a client; its tokens have the given flaw. */
  addClient(id: string, secret: string, flaw?: TokenFlaw): void;
  /** Tokens issued so far, per client id. */
  issued(id: string): number;
  /** A token signed like the issuer's own, for static-token tests. */
  sign(claims: { sub: string; aud: string; flaw?: TokenFlaw }): Promise<string>;
  stop(): Promise<void>;
}

const KID = 'procos-test-key';

export async function startTokenIssuer(): Promise<TokenIssuer> {
  const real = await generateKeyPair('RS256');
  const forger = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(real.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const clients = new Map<string, { secret: string; flaw: TokenFlaw; issued: number }>();
  let issuer = '';

  const sign = async (c: { sub: string; aud: string; flaw?: TokenFlaw }): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const expired = c.flaw === 'expired';
    const key: CryptoKey = c.flaw === 'forged' ? forger.privateKey : real.privateKey;
    return new SignJWT({ scope: 'zeebe' })
      .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
      .setIssuer(c.flaw === 'wrong-issuer' ? `${issuer}/other` : issuer)
      .setSubject(c.sub)
      .setAudience(c.aud)
      .setIssuedAt(expired ? now - 3600 : now)
      .setExpirationTime(expired ? now - 1800 : now + 300)
      .sign(key);
  };

  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (req.method === 'GET' && path === '/.well-known/openid-configuration')
      return send(200, {
        issuer,
        jwks_uri: `${issuer}/jwks`,
        token_endpoint: `${issuer}/oauth/token`,
        grant_types_supported: ['client_credentials'],
      });
    if (req.method === 'GET' && path === '/jwks') return send(200, { keys: [jwk] });
    if (req.method !== 'POST' || path !== '/oauth/token') return send(404, { error: 'not_found' });
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const client = clients.get(form.get('client_id') ?? '');
      if (form.get('grant_type') !== 'client_credentials') return send(400, { error: 'unsupported_grant_type' });
      if (!client || client.secret !== form.get('client_secret')) return send(401, { error: 'invalid_client' });
      client.issued++;
      void sign({ sub: form.get('client_id') ?? '', aud: form.get('audience') ?? '', flaw: client.flaw }).then(
        (token) => send(200, { access_token: token, token_type: 'Bearer', expires_in: 300 }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    issuer,
    tokenUrl: `${issuer}/oauth/token`,
    jwksUrl: `${issuer}/jwks`,
    addClient: (id, secret, flaw = 'none') => clients.set(id, { secret, flaw, issued: 0 }),
    issued: (id) => clients.get(id)?.issued ?? 0,
    sign,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
