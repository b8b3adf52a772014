import { describe, expect, it } from 'vitest';
import { isCredentialKey, REDACTED, Redactor, redactSecret, secretValues } from './redact.js';

describe('redaction for support bundles', () => {
  it('knows credential keys from keys that only name a credential', () => {
    for (const k of [
      'password',
      'SMTP_PASSWORD',
      'apiKey',
      'api_key',
      'clientSecret',
      'ZEEBE_CLIENT_SECRET',
      'token',
      'authorization',
    ])
      expect(isCredentialKey(k), k).toBe(true);
    for (const k of [
      'secretName',
      'secretRefs',
      'secretKeyRef',
      'tokenFile',
      'CAMUNDA_AUTH_STRATEGY',
      'name',
      'template',
    ])
      expect(isCredentialKey(k), k).toBe(false);
  });

  it('replaces a Secret’s values wherever they appear, plain or base64, and keeps its keys', () => {
    const planted = 'hunter2-the-planted-value';
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'creds',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `{"data":{"API_TOKEN":"${planted}"}}` },
      },
      data: { API_TOKEN: Buffer.from(planted).toString('base64') },
    };
    const r = new Redactor();
    r.addSecretValues(secretValues(secret));
    const shown = JSON.stringify(redactSecret(secret));
    expect(shown).not.toContain(planted);
    expect(shown).not.toContain(Buffer.from(planted).toString('base64'));
    expect(shown).toContain(`"API_TOKEN":"${REDACTED} (${planted.length} bytes)"`);
    expect(r.text(`note: the token is ${planted}; encoded ${Buffer.from(planted).toString('base64')}`)).toBe(
      `note: the token is ${REDACTED}; encoded ${REDACTED}`,
    );
  });

  it('redacts objects by key and env vars by name, keeping placeholders and names', () => {
    const r = new Redactor();
    const pool = {
      spec: {
        env: [
          { name: 'API_TOKEN', value: 'abc123' },
          { name: 'LOG_LEVEL', value: 'info' },
        ],
        secretRefs: [{ name: 'creds' }],
        handlers: [{ config: { password: 's3cret', user: 'ada', apiKey: '{{secrets.API_KEY}}', port: 587 } }],
      },
    };
    expect(r.value(pool)).toEqual({
      spec: {
        env: [
          { name: 'API_TOKEN', value: REDACTED },
          { name: 'LOG_LEVEL', value: 'info' },
        ],
        secretRefs: [{ name: 'creds' }],
        handlers: [{ config: { password: REDACTED, user: 'ada', apiKey: '{{secrets.API_KEY}}', port: 587 } }],
      },
    });
  });

  it('redacts credential shapes in any text', () => {
    const r = new Redactor();
    const text = [
      'password: hunter2',
      '"token":"abc.def.ghi"',
      'url http://ada:pa55word@example.com/x',
      'Authorization: Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----',
      'Basic authentication is fine to mention',
      "template: '{{secrets.SMTP_PASSWORD}}'",
    ].join('\n');
    const out = r.text(text);
    for (const leaked of ['hunter2', 'abc.def.ghi', 'pa55word', 'eyJhbGciOi', 'MIIEow'])
      expect(out).not.toContain(leaked);
    expect(out).toContain('http://ada:[redacted]@example.com/x');
    expect(out).toContain('Basic authentication is fine to mention');
    expect(out).toContain('{{secrets.SMTP_PASSWORD}}');
    expect(r.replaced).toBeGreaterThanOrEqual(5);
  });
});
