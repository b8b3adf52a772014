import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { describe, expect, it, onTestFinished } from 'vitest';
import { rejectionOf } from '../../../engine/testing/engine-harness.js';
import { EgressDenied } from '../../egress.js';
import { testJobContext, testPolicy } from '../../testing/job-context.js';
import { BpmnError, TransientError } from '../service-adapter.js';
import { testCertificates } from '../testdata/test-certificates.js';
import { smtpAdapter, smtpConfig } from './smtp-adapter.js';

const certs = testCertificates();

interface Received {
  mail: ParsedMail;
  /** The session was upgraded with STARTTLS before the mail. */
  secure: boolean;
  user: unknown;
  envelopeTo: string[];
}

interface MailServer {
  port: number;
  received: Received[];
  authMethods: string[];
  connections: number;
}

/**
 * An smtp-server on 127.0.0.1 offering STARTTLS with the test certificate; AUTH only after TLS
 * (smtp-server's default), user "mailer" / "right-password". Recipients at refused.test get 550,
 * at busy.test 450. Closed when the test ends.
 */
async function mailServer(extra: Partial<SMTPServerOptions> = {}): Promise<MailServer> {
  const state: MailServer = { port: 0, received: [], authMethods: [], connections: 0 };
  const server = new SMTPServer({
    key: certs.key,
    cert: certs.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onConnect(_session, cb) {
      state.connections++;
      cb();
    },
    onAuth(auth, _session, cb) {
      state.authMethods.push(auth.method);
      if (auth.username === 'mailer' && auth.password === 'right-password') cb(null, { user: auth.username });
      else cb(new Error('Authentication credentials invalid'));
    },
    onRcptTo(address, _session, cb) {
      const domain = address.address.split('@')[1];
      const refuse = (code: number, text: string) => cb(Object.assign(new Error(text), { responseCode: code }));
      if (domain === 'refused.test') refuse(550, `No such user ${address.address}`);
      else if (domain === 'busy.test') refuse(450, 'Mailbox busy, try later');
      else cb();
    },
    onData(stream, session, cb) {
      simpleParser(stream).then(
        (mail) => {
          state.received.push({
            mail,
            secure: session.secure,
            user: session.user,
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          });
          cb();
        },
        (err: unknown) => cb(err as Error),
      );
    },
    ...extra,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.server.address() as AddressInfo).port;
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  return state;
}

const base = (port: number, extra: Record<string, unknown> = {}) =>
  smtpConfig.parse({
    host: 'localhost',
    port,
    tls: { ca: certs.ca },
    auth: { user: 'mailer', pass: 'right-password' },
    from: 'Orders <orders@shop.test>',
    to: '{{ customer.email }}',
    subject: 'Order {{ order.id }}',
    text: 'Hello {{ customer.name }}',
    ...extra,
  });

const variables = { customer: { name: 'Ada', email: 'ada@example.test' }, order: { id: 42 } };
const context = testJobContext();

describe('smtp adapter', () => {
  it('sends over STARTTLS with AUTH PLAIN: addresses, subject, bodies and attachments arrive as rendered', async () => {
    const server = await mailServer();
    const config = base(server.port, {
      cc: ['boss@example.test', '{{ extraCc }}'],
      bcc: 'audit@example.test',
      replyTo: 'help@shop.test',
      html: '<p>Hello <b>{{ customer.name | escape }}</b></p>',
      attachments: [
        { filename: 'order-{{ order.id }}.txt', variable: 'note' },
        { filename: 'logo.png', variable: 'logo', encoding: 'base64', contentType: 'image/png' },
        { filename: 'order.json', variable: 'order' },
      ],
      recipientsVariable: 'recipients',
    });
    const logo = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
    const out = await smtpAdapter.execute(
      { ...variables, extraCc: '', note: 'Two widgets', logo: logo.toString('base64') },
      config,
      context,
    );

    expect(server.received).toHaveLength(1);
    const { mail, secure, user, envelopeTo } = server.received[0]!;
    expect(out).toEqual({
      messageId: mail.messageId,
      recipients: { accepted: ['ada@example.test', 'boss@example.test', 'audit@example.test'], rejected: [] },
    });
    expect(secure).toBe(true);
    expect(user).toBe('mailer');
    expect(server.authMethods).toEqual(['PLAIN']);
    expect(envelopeTo).toEqual(['ada@example.test', 'boss@example.test', 'audit@example.test']);
    expect(mail.from?.value).toEqual([{ name: 'Orders', address: 'orders@shop.test' }]);
    expect(mail.to).toMatchObject({ text: 'ada@example.test' });
    expect(mail.cc).toMatchObject({ text: 'boss@example.test' });
    expect(mail.replyTo?.text).toBe('help@shop.test');
    expect(mail.subject).toBe('Order 42');
    expect(mail.text?.trim()).toBe('Hello Ada');
    expect(mail.html).toBe('<p>Hello <b>Ada</b></p>');
    expect(
      mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
    ).toEqual([
      { filename: 'order-42.txt', contentType: 'text/plain', content: Buffer.from('Two widgets') },
      { filename: 'logo.png', contentType: 'image/png', content: logo },
      { filename: 'order.json', contentType: 'application/json', content: Buffer.from('{"id":42}') },
    ]);
  });

  it('logs in with AUTH LOGIN when that is what the server offers', async () => {
    const server = await mailServer({ authMethods: ['LOGIN'] });
    await smtpAdapter.execute(variables, base(server.port), context);
    expect(server.authMethods).toEqual(['LOGIN']);
    expect(server.received.map((r) => r.mail.subject)).toEqual(['Order 42']);
  });

  it('a wrong password fails the job (no retry), saying to check the credentials secret', async () => {
    const server = await mailServer();
    const err = await rejectionOf(
      smtpAdapter.execute(variables, base(server.port, { auth: { user: 'mailer', pass: 'wrong' } }), context),
    );
    expect(err).not.toBeInstanceOf(TransientError);
    expect(err).not.toBeInstanceOf(BpmnError);
    expect(err.message).toMatch(
      new RegExp(
        `^smtp: localhost:${server.port} refused the login as 'mailer' \\(535 .*\\); check the credentials secret`,
      ),
    );
    expect(server.received).toEqual([]);
  });

  it('a recipient refused with 550 is the BPMN error SMTP_550 naming the recipient', async () => {
    const server = await mailServer();
    const err = await rejectionOf(
      smtpAdapter.execute({ ...variables, customer: { email: 'ghost@refused.test' } }, base(server.port), context),
    );
    expect(err).toBeInstanceOf(BpmnError);
    expect(err).toMatchObject({ code: 'SMTP_550' });
    expect(err.message).toContain('rejected the recipient ghost@refused.test: 550 No such user ghost@refused.test');
    expect(server.received).toEqual([]);
  });

  it('a recipient deferred with 450 is transient', async () => {
    const server = await mailServer();
    const err = await rejectionOf(
      smtpAdapter.execute({ ...variables, customer: { email: 'ada@busy.test' } }, base(server.port), context),
    );
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('deferred the recipients ada@busy.test');
  });

  it('when only some recipients are refused the mail goes to the others and the refused are reported', async () => {
    const server = await mailServer();
    const out = await smtpAdapter.execute(
      variables,
      base(server.port, { cc: 'ghost@refused.test', recipientsVariable: 'recipients' }),
      context,
    );
    expect(out.recipients).toEqual({ accepted: ['ada@example.test'], rejected: ['ghost@refused.test'] });
    expect(server.received.map((r) => r.envelopeTo)).toEqual([['ada@example.test']]);
  });

  it('a refused connection is transient', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await rejectionOf(smtpAdapter.execute(variables, base(port), context));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('a server certificate from an untrusted CA fails the job, saying to set tls.ca', async () => {
    const server = await mailServer();
    const err = await rejectionOf(smtpAdapter.execute(variables, base(server.port, { tls: {} }), context));
    expect(err).not.toBeInstanceOf(TransientError);
    expect(err.message).toMatch(/^smtp: the TLS certificate of localhost:\d+ was not accepted \(.*\); set tls\.ca/);
    expect(server.received).toEqual([]);
  });

  it('refuses a server the SandboxPolicy does not allow, without connecting', async () => {
    const server = await mailServer();
    const ctx = testJobContext({ policy: testPolicy({ egressAllowlist: ['smtp.example.test:587'] }) });
    const err = await rejectionOf(smtpAdapter.execute(variables, base(server.port), ctx));
    expect(err).toBeInstanceOf(EgressDenied);
    expect(err.message).toContain(`egress to localhost port ${server.port} (address 127.0.0.1) is not allowed`);
    expect(server.connections).toBe(0);
    const allowed = testJobContext({ policy: testPolicy({ egressAllowlist: [`localhost:${server.port}`] }) });
    await smtpAdapter.execute(variables, base(server.port), allowed);
    expect(server.received).toHaveLength(1);
  });

  it('a template that fails to render fails the job, naming the field', async () => {
    await expect(
      smtpAdapter.execute(variables, base(1, { subject: "{% include 'header' %}" }), context),
    ).rejects.toThrow(/^smtp: subject: the template failed: /);
    await expect(smtpAdapter.execute({}, base(1), context)).rejects.toThrow(
      'smtp: to rendered to no address; check the to template and its variables',
    );
  });

  it('lists the variables its templates and attachments read as fetchVariables', () => {
    const config = base(25, {
      cc: ['{{ manager }}'],
      attachments: [{ filename: '{{ name }}.pdf', variable: 'pdf', encoding: 'base64' }],
    });
    expect(smtpAdapter.fetchVariables?.(config)?.sort()).toEqual(['customer', 'manager', 'name', 'order', 'pdf']);
  });
});
