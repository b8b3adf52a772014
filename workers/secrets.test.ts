import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../lib/testing/temp-dir.js';
import { resolveSecrets, SecretNotFound, secretNames, SecretStore } from './secrets.js';

describe('secrets ({{secrets.NAME}} in handler configs)', () => {
  it('reads a file of the secrets dir first (re-read each time, so a rotated Secret counts), then the environment', () => {
    const dir = tempDir('procos-secrets-');
    writeFileSync(join(dir, 'API_TOKEN'), 'tok-from-file\n');
    const store = new SecretStore(dir, { API_TOKEN: 'tok-from-env', ONLY_ENV: 'env-value' });
    expect(
      resolveSecrets({ h: { auth: 'Bearer {{ secrets.API_TOKEN }}' }, list: ['{{secrets.ONLY_ENV}}'] }, store),
    ).toEqual({
      h: { auth: 'Bearer tok-from-file' },
      list: ['env-value'],
    });
    writeFileSync(join(dir, 'API_TOKEN'), 'rotated-token');
    expect(resolveSecrets('{{secrets.API_TOKEN}}', store)).toBe('rotated-token');
  });

  it('names where it looked when a secret is missing', () => {
    const store = new SecretStore('/run/secrets/pool', {});
    expect(() => store.get('DB_PASSWORD')).toThrow(SecretNotFound);
    expect(() => store.get('DB_PASSWORD')).toThrow(
      "secret 'DB_PASSWORD' not found (no file /run/secrets/pool/DB_PASSWORD, no environment variable DB_PASSWORD)",
    );
  });

  it('lists the names a config mentions', () => {
    expect(secretNames({ a: '{{secrets.A}} and {{ secrets.B_2 }}', b: [{ c: '{{secrets.A}}' }], n: 3 })).toEqual([
      'A',
      'B_2',
    ]);
  });

  it('redacts every value it handed out, deep in variables and in text, and nothing else', () => {
    const store = new SecretStore(undefined, { PASS: 'hunter2-secret' });
    store.get('PASS');
    expect(store.redact('login failed for hunter2-secret@host')).toBe('login failed for [redacted]@host');
    expect(store.redactDeep({ out: ['x hunter2-secret y'], n: 1, ok: true })).toEqual({
      out: ['x [redacted] y'],
      n: 1,
      ok: true,
    });
    expect(store.redact('nothing to hide')).toBe('nothing to hide');
  });
});
