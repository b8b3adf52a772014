// smtp: sends one mail per job with nodemailer; addresses, subject, bodies and attachment names
// are Liquid templates over the job's variables (and task headers), attachments come from
// variables. The SandboxPolicy's egressAllowlist is checked on the resolved address, and the
// connection is pinned to that address (the TLS name stays the configured host), so what was
// checked is what is connected to. How a failure ends the job follows what the server said:
// bad credentials or TLS setup → incident; busy or unreachable (4xx, refused, timeout) →
// retried; a recipient or message refused for good (5xx) → BPMN error SMTP_<code>.
import { isIP } from 'node:net';
import { liquid, templateField } from '../liquid.js';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { resolveAllowed } from '../../egress.js';
import { BpmnError, TransientError, type ServiceAdapter } from '../service-adapter.js';

const template = (what: string) => templateField(what, 256 * 1024);

const addresses = (what: string) =>
  z
    .union([template(what), z.array(template(what)).max(100)])
    .describe(`${what}: one template or a list; each may render to several comma-separated addresses.`);

const attachment = z
  .object({
    filename: template('File name shown to the recipient').min(1),
    variable: z.string().min(1).max(255).describe('The variable holding the content.'),
    encoding: z
      .enum(['text', 'base64'])
      .default('text')
      .describe('text: the variable is the content (other than a string: sent as JSON); base64: decoded first.'),
    contentType: z.string().max(255).optional().describe('MIME type; derived from the file name when unset.'),
  })
  .strict();

export const smtpConfig = z
  .object({
    host: z.string().min(1).max(253).describe('SMTP server host name or IP.'),
    port: z.int().min(1).max(65535).optional().describe('SMTP server port; 465 when secure, else 587.'),
    secure: z.boolean().default(false).describe('Implicit TLS from the first byte (usually port 465).'),
    requireTLS: z
      .boolean()
      .default(true)
      .describe(
        'Require STARTTLS before authenticating and sending (ignored when secure); false only for a local relay.',
      ),
    tls: z
      .object({
        ca: z.string().optional().describe('PEM of the CA(s) to trust instead of the system roots (may be a secret).'),
        servername: z.string().max(253).optional().describe('Name the certificate is checked against; default: host.'),
        rejectUnauthorized: z
          .boolean()
          .default(true)
          .describe('Verify the server certificate; turn off only for a test server.'),
      })
      .strict()
      .optional()
      .describe('TLS settings for secure and STARTTLS connections.'),
    auth: z
      .object({
        user: z.string().min(1).describe('Login, usually {{secrets.NAME}}.'),
        pass: z.string().describe('Password, usually {{secrets.NAME}}.'),
      })
      .strict()
      .optional()
      .describe('SMTP AUTH credentials (PLAIN or LOGIN, as the server offers); unset = no authentication.'),
    from: template('Sender address, e.g. "Orders <orders@example.com>"').min(1),
    replyTo: template('Reply-To address').optional(),
    to: addresses('Recipients'),
    cc: addresses('Cc recipients').optional(),
    bcc: addresses('Bcc recipients').optional(),
    subject: template('Subject'),
    text: template('Plain-text body').optional(),
    html: template('HTML body (variables are HTML-escaped only with the escape filter)').optional(),
    attachments: z.array(attachment).max(20).default([]).describe('Files attached from job variables.'),
    timeoutSeconds: z
      .int()
      .min(1)
      .max(600)
      .default(60)
      .describe('Limit for connecting, the greeting and each wait for the server; then the attempt is retried.'),
    resultVariable: z.string().min(1).max(255).default('messageId').describe('Variable set to the Message-ID.'),
    recipientsVariable: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe(
        'Variable set to { accepted, rejected } recipient lists (some may be refused while the mail goes out).',
      ),
  })
  .strict();

export type SmtpConfig = z.infer<typeof smtpConfig>;

type Scope = Record<string, unknown>;

async function render(field: string, t: string, scope: Scope): Promise<string> {
  try {
    return String(await liquid.parseAndRender(t, scope));
  } catch (err) {
    throw new Error(`smtp: ${field}: the template failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function renderList(field: string, v: string | string[] | undefined, scope: Scope): Promise<string[]> {
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  const out: string[] = [];
  for (const [i, t] of list.entries()) {
    const r = (await render(Array.isArray(v) ? `${field}[${i}]` : field, t, scope)).trim();
    if (r) out.push(r);
  }
  return out;
}

async function renderOptional(field: string, t: string | undefined, scope: Scope): Promise<string | undefined> {
  return t === undefined ? undefined : render(field, t, scope);
}

function attachmentsOf(config: SmtpConfig, variables: Record<string, unknown>, names: string[]) {
  return config.attachments.map((a, i) => {
    const where = `smtp: attachments[${i}]`;
    if (!(a.variable in variables)) throw new Error(`${where}: variable '${a.variable}' is not set in this job`);
    const value = variables[a.variable];
    let content: Buffer;
    if (a.encoding === 'base64') {
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/=\s_-]*$/.test(value))
        throw new Error(`${where}: variable '${a.variable}' is not base64 text (encoding: base64)`);
      content = Buffer.from(value, 'base64');
    } else content = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
    const json = a.encoding === 'text' && typeof value !== 'string';
    return {
      filename: names[i] ?? 'attachment',
      content,
      ...((a.contentType ?? (json ? 'application/json' : undefined)) && {
        contentType: a.contentType ?? 'application/json',
      }),
    };
  });
}

export const smtpAdapter: ServiceAdapter<SmtpConfig> = {
  name: 'smtp',
  summary: 'sends a mail (templates over the variables, attachments from variables) through an SMTP server',
  configSchema: smtpConfig,
  fetchVariables(config) {
    const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const templates = [
      config.from,
      config.subject,
      ...list(config.replyTo),
      ...list(config.to),
      ...list(config.cc),
      ...list(config.bcc),
      ...list(config.text),
      ...list(config.html),
      ...config.attachments.map((a) => a.filename),
    ];
    const names = new Set(templates.flatMap((t) => liquid.globalVariablesSync(t)));
    for (const a of config.attachments) names.add(a.variable);
    return [...names];
  },
  async execute(variables, config, context) {
    const scope = { ...context.headers, ...variables };
    const to = await renderList('to', config.to, scope);
    if (!to.length) throw new Error('smtp: to rendered to no address; check the to template and its variables');
    const names: string[] = [];
    for (const [i, a] of config.attachments.entries())
      names.push(await render(`attachments[${i}].filename`, a.filename, scope));
    const message = {
      from: await render('from', config.from, scope),
      to,
      cc: await renderList('cc', config.cc, scope),
      bcc: await renderList('bcc', config.bcc, scope),
      replyTo: await renderOptional('replyTo', config.replyTo, scope),
      subject: await render('subject', config.subject, scope),
      text: await renderOptional('text', config.text, scope),
      html: await renderOptional('html', config.html, scope),
      attachments: attachmentsOf(config, variables, names),
    };

    const port = config.port ?? (config.secure ? 465 : 587);
    const { address } = await resolveAllowed(context.policy, config.host, port);
    const servername = config.tls?.servername ?? (isIP(config.host) ? undefined : config.host);
    const ms = config.timeoutSeconds * 1000;
    const transport = nodemailer.createTransport({
      host: address, // the checked address; the certificate is still checked against servername
      port,
      secure: config.secure,
      requireTLS: !config.secure && config.requireTLS,
      ...(servername && { servername }),
      tls: {
        ...(config.tls?.ca && { ca: config.tls.ca }),
        ...(servername && { servername }),
        rejectUnauthorized: config.tls?.rejectUnauthorized ?? true,
      },
      ...(config.auth && { auth: { user: config.auth.user, pass: config.auth.pass } }),
      connectionTimeout: ms,
      greetingTimeout: ms,
      socketTimeout: ms,
      dnsTimeout: ms,
    });
    const abort = () => transport.close();
    context.signal.addEventListener('abort', abort, { once: true });
    try {
      const info = await transport.sendMail(message);
      if (info.rejected.length)
        context.log.warn(
          { rejected: info.rejected },
          'the SMTP server refused some recipients; the mail went to the others',
        );
      return {
        [config.resultVariable]: info.messageId,
        ...(config.recipientsVariable && {
          [config.recipientsVariable]: { accepted: info.accepted.map(String), rejected: info.rejected.map(String) },
        }),
      };
    } catch (err) {
      if (context.signal.aborted)
        throw new TransientError('smtp: aborted (the job timed out or the worker is stopping)');
      throw jobError(err, config, port);
    } finally {
      context.signal.removeEventListener('abort', abort);
      transport.close();
    }
  },
};

interface MailError extends Error {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejected?: string[];
  rejectedErrors?: MailError[];
}

/** What nodemailer said, mapped to how the job ends (see the header comment). */
function jobError(e: unknown, config: SmtpConfig, port: number): Error {
  if (!(e instanceof Error)) return new Error(`smtp: ${String(e)}`);
  const err = e as MailError;
  const at = `${config.host}:${port}`;
  const said = (x: MailError) => (x.response ?? x.message).trim();
  const code = err.responseCode;

  if (err.code === 'EAUTH') {
    const text = `smtp: ${at} refused the login as '${config.auth?.user ?? ''}' (${said(err)})`;
    if (code && code < 500) return new TransientError(text);
    return new Error(`${text}; check the credentials secret that auth.user and auth.pass name`);
  }
  if (err.code === 'EENVELOPE' && err.command === 'RCPT TO') {
    const rejected = err.rejectedErrors ?? [];
    const permanent = rejected.find((r) => (r.responseCode ?? 0) >= 500);
    const who = (err.rejected ?? []).join(', ');
    if (!permanent) return new TransientError(`smtp: ${at} deferred the recipients ${who} (${said(err)})`);
    return new BpmnError(
      `SMTP_${permanent.responseCode ?? 550}`,
      `smtp: ${at} rejected the recipient${rejected.length > 1 ? 's' : ''} ${who}: ${rejected.map(said).join('; ')}`,
    );
  }
  if (code && code >= 400 && code < 500) return new TransientError(`smtp: ${at} answered ${said(err)}; retrying`);
  if (code && code >= 500) {
    if (err.command === 'MAIL FROM')
      return new Error(`smtp: ${at} refused the sender (${said(err)}); check from and that auth may send as it`);
    return new BpmnError(`SMTP_${code}`, `smtp: ${at} refused the message (${said(err)})`);
  }
  const system = err.originalCode ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME/.test(system))
    return new Error(
      `smtp: the TLS certificate of ${at} was not accepted (${err.message}); set tls.ca to the CA that signed it, ` +
        'or tls.servername to the name it is issued for',
    );
  if (/STARTTLS/.test(err.message))
    return new Error(
      `smtp: ${at} does not offer STARTTLS (${err.message}); use secure: true for implicit TLS, or requireTLS: false ` +
        'for a relay without TLS',
    );
  if (['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EPROTOCOL'].includes(err.code ?? ''))
    return new TransientError(`smtp: ${at}: ${err.message}`);
  return new Error(`smtp: ${at}: ${err.message}`);
}
