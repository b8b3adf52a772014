import { describe, expect, it } from 'vitest';
import { engineCredentials } from './engine-credentials.js';

describe('engineCredentials (what worker pods get of the operator’s engine credentials)', () => {
  it.each([
    ['no strategy, no credentials', {}],
    ['NONE', { CAMUNDA_AUTH_STRATEGY: 'NONE', CAMUNDA_OAUTH_TOKEN: 'left-over' }],
    ['OAuth disabled (the SDK’s legacy override)', { CAMUNDA_AUTH_STRATEGY: 'BEARER', CAMUNDA_OAUTH_DISABLED: 'true' }],
  ])('none when the operator has none: %s', (_, env) => {
    expect(engineCredentials(env)).toBeUndefined();
  });

  it.each([
    [
      'BEARER (procos-engine --auth token, the chart’s bundled engine)',
      { CAMUNDA_AUTH_STRATEGY: 'BEARER', CAMUNDA_OAUTH_TOKEN: 't0ken', ZEEBE_GRPC_ADDRESS: 'grpc://e:26500' },
      { CAMUNDA_AUTH_STRATEGY: 'BEARER', CAMUNDA_OAUTH_TOKEN: 't0ken' },
    ],
    [
      'BASIC',
      {
        CAMUNDA_AUTH_STRATEGY: 'BASIC',
        CAMUNDA_BASIC_AUTH_USERNAME: 'u',
        CAMUNDA_BASIC_AUTH_PASSWORD: 'p',
        HOME: '/x',
      },
      { CAMUNDA_AUTH_STRATEGY: 'BASIC', CAMUNDA_BASIC_AUTH_USERNAME: 'u', CAMUNDA_BASIC_AUTH_PASSWORD: 'p' },
    ],
    [
      'OAUTH (engine.auth.existingSecret), with the token cache kept off the read-only disk',
      {
        CAMUNDA_AUTH_STRATEGY: 'OAUTH',
        ZEEBE_CLIENT_ID: 'id',
        ZEEBE_CLIENT_SECRET: 's',
        CAMUNDA_OAUTH_URL: 'https://idp/token',
        ZEEBE_TOKEN_AUDIENCE: 'zeebe-api',
        LOG_LEVEL: 'info',
      },
      {
        CAMUNDA_AUTH_STRATEGY: 'OAUTH',
        ZEEBE_CLIENT_ID: 'id',
        ZEEBE_CLIENT_SECRET: 's',
        CAMUNDA_OAUTH_URL: 'https://idp/token',
        ZEEBE_TOKEN_AUDIENCE: 'zeebe-api',
        CAMUNDA_TOKEN_DISK_CACHE_DISABLE: 'true',
      },
    ],
    [
      'OAUTH chosen as the SDK does: no strategy, but client credentials and CAMUNDA_OAUTH_URL',
      { ZEEBE_CLIENT_ID: 'id', ZEEBE_CLIENT_SECRET: 's', CAMUNDA_OAUTH_URL: 'https://idp/token' },
      {
        CAMUNDA_AUTH_STRATEGY: 'OAUTH',
        ZEEBE_CLIENT_ID: 'id',
        ZEEBE_CLIENT_SECRET: 's',
        CAMUNDA_OAUTH_URL: 'https://idp/token',
        CAMUNDA_TOKEN_DISK_CACHE_DISABLE: 'true',
      },
    ],
  ])('%s: exactly the SDK variables of the strategy, nothing else of the environment', (_, env, expected) => {
    expect(engineCredentials(env)?.env).toEqual(expected);
  });

  it.each([
    [{ CAMUNDA_AUTH_STRATEGY: 'BEARER' }, 'CAMUNDA_AUTH_STRATEGY=BEARER needs CAMUNDA_OAUTH_TOKEN in the environment'],
    [
      { CAMUNDA_AUTH_STRATEGY: 'OAUTH', ZEEBE_CLIENT_ID: 'id' },
      'CAMUNDA_AUTH_STRATEGY=OAUTH needs ZEEBE_CLIENT_SECRET, CAMUNDA_OAUTH_URL in the environment',
    ],
    [{ CAMUNDA_AUTH_STRATEGY: 'KERBEROS' }, "CAMUNDA_AUTH_STRATEGY: 'KERBEROS' is not one of NONE, OAUTH, BASIC"],
  ])('refuses a strategy without its credentials, naming what is missing: %j', (env, message) => {
    expect(() => engineCredentials(env)).toThrow(message);
  });

  it('a fingerprint that changes with the credentials, and only with them', () => {
    const bearer = (token: string) =>
      engineCredentials({ CAMUNDA_AUTH_STRATEGY: 'BEARER', CAMUNDA_OAUTH_TOKEN: token });
    const a = bearer('first-token');
    expect(a?.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(bearer('first-token')?.fingerprint).toBe(a?.fingerprint);
    expect(bearer('second-token')?.fingerprint).not.toBe(a?.fingerprint);
  });
});
