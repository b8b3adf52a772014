// The http and smtp adapters serving a process on a real procos-engine: a pool file with its
// SandboxPolicy (egress allowlist) and a secret, an HTTP API and an SMTP server on 127.0.0.1.
// The item is fetched and mailed about; a 404 is routed by the BPMN error boundary HTTP_404;
// a URL the policy does not allow becomes an incident that says what to add.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentOf, startHarness, waitFor, type Harness } from '../../engine/testing/engine-harness.js';
import { startJobWorkers } from '../job-runtime.js';
import { bindPool } from '../pool-config.js';
import { SecretStore } from '../secrets.js';
import { testCertificates } from './testdata/test-certificates.js';

const certs = testCertificates();
const listen = (s: Server | SMTPServer['server']) =>
  new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

describe('http and smtp adapters in a process on procos-engine', () => {
  let h: Harness;
  let workers: { close(): Promise<void> } | undefined;
  const mails: ParsedMail[] = [];
  const api = createServer((req, res) => {
    const found = req.url === '/items/7';
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(found ? { id: 7, name: 'Widget' } : { error: `no item at ${req.url ?? ''}` }));
  });
  const smtp = new SMTPServer({
    key: certs.key,
    cert: certs.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth: (auth, _s, cb) =>
      auth.username === 'mailer' && auth.password === 'from-the-secret'
        ? cb(null, { user: auth.username })
        : cb(new Error('Authentication credentials invalid')),
    onData: (stream, _s, cb) =>
      simpleParser(stream).then(
        (m) => {
          mails.push(m);
          cb();
        },
        (err: unknown) => cb(err as Error),
      ),
  });
  let apiBase = '';
  // Not in the allowlist; nothing needs to listen there, the request never leaves.
  const deniedBase = 'http://127.0.0.1:9';

  beforeAll(async () => {
    const [apiPort, smtpPort] = [await listen(api), await listen(smtp.server)];
    apiBase = `http://127.0.0.1:${apiPort}`;
    h = await startHarness();
    const bound = bindPool(
      [
        {
          apiVersion: 'procos.io/v1alpha1',
          kind: 'SandboxPolicy',
          metadata: { name: 'net' },
          spec: { allowedTaskTypes: ['net.*'], egressAllowlist: [`127.0.0.1:${apiPort}`, `localhost:${smtpPort}`] },
        },
        {
          apiVersion: 'procos.io/v1alpha1',
          kind: 'WorkerPool',
          metadata: { name: 'net' },
          spec: {
            sandboxPolicyRef: { name: 'net' },
            taskTypes: ['net.http.get-item', 'net.smtp.notify'],
            handlers: [
              {
                taskType: 'net.http.get-item',
                adapter: 'http',
                config: { url: '{{ api }}/items/{{ itemId }}', resultVariable: 'item', timeoutSeconds: 10 },
              },
              {
                taskType: 'net.smtp.notify',
                adapter: 'smtp',
                config: {
                  host: 'localhost',
                  port: smtpPort,
                  tls: { ca: certs.ca },
                  auth: { user: 'mailer', pass: '{{secrets.SMTP_PASSWORD}}' },
                  from: 'Shop <shop@shop.test>',
                  to: '{{ email }}',
                  subject: 'Item {{ item.body.name }}',
                  text: 'Item {{ item.body.id }} answered {{ item.status }}.',
                },
              },
            ],
          },
        },
      ],
      { secrets: new SecretStore(undefined, { SMTP_PASSWORD: 'from-the-secret' }) },
    );
    if (!bound.ok) throw new Error(bound.errors.join('\n'));
    workers = startJobWorkers(h.client(), bound.pool, pino({ level: 'silent' }), { retryBaseMs: 10 });
    await h.client().deployResource({
      name: 'network-adapters.bpmn',
      process: readFileSync(new URL('testdata/network-adapters.bpmn', import.meta.url)),
    });
  });

  afterAll(async () => {
    await workers?.close();
    await h.stop();
    await new Promise<void>((r) => smtp.close(() => r()));
    api.closeAllConnections();
    await new Promise<void>((r) => api.close(() => r()));
  });

  const start = (variables: { api: string; itemId: number; email: string }) =>
    h.client().createProcessInstance({ bpmnProcessId: 'network-adapters', variables });

  it('fetches the item (response as a variable) and the mail about it arrives', async () => {
    const i = await start({ api: apiBase, itemId: 7, email: 'ada@example.test' });
    const outcome = await h.outcome(i.processInstanceKey);
    expect(outcome).toMatchObject({
      state: 'COMPLETED',
      endEvents: ['notified'],
      variables: {
        item: { status: 200, body: { id: 7, name: 'Widget' }, headers: { 'content-type': 'application/json' } },
        messageId: expect.stringMatching(/^<.+>$/) as unknown,
      },
    });
    const mail = await waitFor('the mail about item 7', () =>
      mails.find((m) => m.messageId === outcome.variables.messageId),
    );
    expect(mail).toMatchObject({ subject: 'Item Widget', to: { text: 'ada@example.test' } });
    expect(mail.text?.trim()).toBe('Item 7 answered 200.');
  });

  it('a 404 is caught by the HTTP_404 error boundary and no mail is sent', async () => {
    const before = mails.length;
    const i = await start({ api: apiBase, itemId: 99, email: 'ada@example.test' });
    expect(await h.outcome(i.processInstanceKey)).toMatchObject({ state: 'COMPLETED', endEvents: ['no-such-item'] });
    expect(mails.length).toBe(before);
  });

  it('a URL outside the SandboxPolicy egressAllowlist becomes an incident saying what to add', async () => {
    const i = await start({ api: deniedBase, itemId: 7, email: 'ada@example.test' });
    const incident = await incidentOf(h, i.processInstanceKey);
    expect(incident).toMatchObject({ errorType: 'JOB_NO_RETRIES', elementId: 'fetch-item' });
    expect(incident.errorMessage).toContain('egress to 127.0.0.1 port 9 (address 127.0.0.1) is not allowed');
    expect(incident.errorMessage).toContain('spec.egressAllowlist');
  });
});
