// Every adapter through the real binary: ONE `procos-worker --pool FILE --secrets-dir DIR` process
// serves a pool of seven handlers (validate, http, compute, python, ai, format, smtp) for a real
// procos-engine. The pool file holds the WorkerPool and its SandboxPolicy, whose egressAllowlist
// allows only the loopback servers this file starts: a price API, an OpenAI-compatible model
// server (a tiny GGUF model written here) and an SMTP server with STARTTLS. The SMTP password and
// the API key come from files in the secrets dir and must never leave the worker.
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  startHarness,
  waitFor,
  waitUntil,
  type Harness,
  type InstanceRecord,
  type IncidentView,
} from '../engine/testing/engine-harness.js';
import { tempDir } from '../lib/testing/temp-dir.js';
import { disposeLocalModels, localModel } from './adapters/ai/local-model.js';
import { startOpenAiServer, type ModelServer } from './adapters/ai/testing/model-servers.js';
import { writeTinyGguf } from './adapters/ai/tiny-gguf.js';
import { testCertificates } from './adapters/testdata/test-certificates.js';
import { requireScilab } from './sandbox/require-host-tools.js';
import { startWorkerProcess, type WorkerProcess } from './testing/worker-process.js';

const certs = testCertificates();
// Created at module level: tempDir removes them when the file ends (not from inside a hook).
const dir = tempDir('procos-all-adapters-');
const secretsDir = tempDir('procos-all-adapters-secrets-');

// Random, so a hit when grepping for them can only be a leak.
const SMTP_PASSWORD = `smtp-pass-${randomUUID()}`;
const OPENAI_API_KEY = `sk-test-${randomUUID()}`;

const MODEL = 'tiny-chat';
const SYSTEM_PROMPT = 'You write one short line for the packing slip.';
const NOTE_MAX_TOKENS = 12;

// Deadlines only bound a failure (a passing run takes a few seconds); generous for 2 busy cores.
const WAIT = { timeoutMs: 60_000 };
const HOOK_TIMEOUT_MS = 120_000;

const DISCOUNT_SCRIPT = `import json, sys
v = json.load(sys.stdin)
rates = {"NONE": 0, "TEN": 10}
if v["coupon"] not in rates:
    print("unknown coupon " + v["coupon"])  # the bug under test: debug output on stdout
    sys.exit(0)
discount = v["total"] * rates[v["coupon"]] / 100
print(json.dumps({"discount": discount, "toPay": v["total"] - discount}))
`;

const startWorker = (address: string, args: string[]): WorkerProcess => startWorkerProcess(address, args, 'debug'); // every job logged: more for the secret grep to search

const listen = (s: Server | SMTPServer['server']) =>
  new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

/** The pool file: the SandboxPolicy and the WorkerPool naming it, two YAML documents. */
function writePool(ports: { api: number; smtp: number; model: number }, modelBaseUrl: string): string {
  const policy = {
    apiVersion: 'procos.io/v1alpha1',
    kind: 'SandboxPolicy',
    metadata: { name: 'shop' },
    spec: {
      allowedTaskTypes: ['shop.*'],
      egressAllowlist: [`127.0.0.1:${ports.api}`, `127.0.0.1:${ports.smtp}`, `127.0.0.1:${ports.model}`],
      // compute (scilab-cli) refuses to start below 384Mi.
      script: { wallTimeSeconds: 30, cpuTimeSeconds: 10, memory: '512Mi', network: 'None' },
    },
  };
  const pool = {
    apiVersion: 'procos.io/v1alpha1',
    kind: 'WorkerPool',
    metadata: { name: 'shop' },
    spec: {
      sandboxPolicyRef: { name: 'shop' },
      taskTypes: [
        'shop.validate',
        'shop.price',
        'shop.total',
        'shop.discount',
        'shop.note',
        'shop.summary',
        'shop.mail',
      ],
      handlers: [
        {
          taskType: 'shop.validate',
          adapter: 'validate',
          config: {
            schema: {
              type: 'object',
              required: ['orderId', 'sku', 'quantity', 'email', 'coupon'],
              properties: {
                orderId: { type: 'string', pattern: '^A-[0-9]+$' },
                sku: { type: 'string', minLength: 1 },
                quantity: { type: 'integer', minimum: 1 },
                email: { type: 'string', pattern: '^[^@]+@[^@]+$' },
                coupon: { type: 'string' },
              },
            },
          },
        },
        {
          taskType: 'shop.price',
          adapter: 'http',
          config: {
            url: `http://127.0.0.1:${ports.api}/prices/{{ sku | url_encode }}`,
            resultVariable: 'price',
            timeoutSeconds: 10,
          },
        },
        {
          taskType: 'shop.total',
          adapter: 'compute',
          config: {
            inputs: ['quantity', 'price'],
            outputs: ['total'],
            script: 'total = round(quantity * price.body.unitPrice * 100) / 100;',
          },
        },
        {
          taskType: 'shop.discount',
          adapter: 'python',
          config: { inputs: ['total', 'coupon'], script: DISCOUNT_SCRIPT },
        },
        {
          taskType: 'shop.note',
          adapter: 'ai',
          retries: 0,
          config: {
            provider: 'openai',
            baseUrl: modelBaseUrl,
            apiKey: '{{secrets.OPENAI_API_KEY}}',
            model: MODEL,
            systemPrompt: SYSTEM_PROMPT,
            prompt: 'Order {{ orderId }}: {{ quantity }} x {{ sku }}, to pay {{ toPay }}.',
            maxTokens: NOTE_MAX_TOKENS,
            timeoutSeconds: 60,
          },
        },
        {
          taskType: 'shop.summary',
          adapter: 'format',
          config: {
            template:
              'Order {{ orderId }}: {{ quantity }} x {{ sku }} at {{ price.body.unitPrice }} = {{ total }}, ' +
              '{{ discount }} off ({{ coupon }}), to pay {{ toPay }}.\nNote: {{ ai_response }}',
            output: 'summary',
          },
        },
        {
          taskType: 'shop.mail',
          adapter: 'smtp',
          config: {
            host: '127.0.0.1',
            port: ports.smtp,
            tls: { ca: certs.ca, servername: 'localhost' },
            auth: { user: 'mailer', pass: '{{secrets.SMTP_PASSWORD}}' },
            from: 'Shop <shop@shop.test>',
            to: '{{ email }}',
            subject: 'Order {{ orderId }}',
            text: '{{ summary }}',
          },
        },
      ],
    },
  };
  const file = join(dir, 'pool.yaml');
  writeFileSync(file, `${stringify(policy)}---\n${stringify(pool)}`);
  return file;
}

describe('procos-worker binary: all seven adapters in one process on procos-engine', { timeout: 120_000 }, () => {
  let h: Harness | undefined;
  let worker: WorkerProcess | undefined;
  let modelServer: ModelServer | undefined;
  let workerPort = 0;
  const mails: ParsedMail[] = [];
  const smtpLogins: { user: string; ok: boolean }[] = [];
  const priceRequests: string[] = [];
  /** Every instance this file started, to grep their variables for secrets. */
  const instances: string[] = [];

  const prices: Record<string, number> = { WIDGET: 12.5 };
  const priceApi = createServer((req, res) => {
    priceRequests.push(req.url ?? '');
    const sku = decodeURIComponent((req.url ?? '').replace(/^\/prices\//, ''));
    const unitPrice = prices[sku];
    res.writeHead(unitPrice === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(unitPrice === undefined ? { error: `no price for ${sku}` } : { sku, unitPrice }));
  });
  const smtp = new SMTPServer({
    key: certs.key,
    cert: certs.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth: (auth, _s, cb) => {
      const ok = auth.username === 'mailer' && auth.password === SMTP_PASSWORD;
      smtpLogins.push({ user: auth.username ?? '', ok });
      if (ok) cb(null, { user: auth.username });
      else cb(new Error('Authentication credentials invalid'));
    },
    onData: (stream, _s, cb) =>
      simpleParser(stream).then(
        (m) => {
          mails.push(m);
          cb();
        },
        (err: unknown) => cb(err as Error),
      ),
  });

  beforeAll(async () => {
    await requireScilab(); // fails loudly, naming `make host-tools`, where the sandbox is missing
    const modelPath = join(dir, 'tiny.gguf');
    writeTinyGguf(modelPath);
    const model = await localModel({ modelPath, threads: 1, contextSize: 512, parallel: 1 });
    modelServer = await startOpenAiServer(model, { modelName: MODEL, apiKey: OPENAI_API_KEY });
    const [apiPort, smtpPort] = [await listen(priceApi), await listen(smtp.server)];

    writeFileSync(join(secretsDir, 'SMTP_PASSWORD'), `${SMTP_PASSWORD}\n`);
    writeFileSync(join(secretsDir, 'OPENAI_API_KEY'), `${OPENAI_API_KEY}\n`);
    const pool = writePool({ api: apiPort, smtp: smtpPort, model: modelServer.port }, modelServer.baseUrl);

    h = await startHarness();
    await h.client().deployResource({
      name: 'all-adapters.bpmn',
      process: readFileSync(join(import.meta.dirname, 'testdata/all-adapters.bpmn')),
    });
    worker = startWorker(h.running.address, ['--pool', pool, '--secrets-dir', secretsDir, '--http-port', '0']);
    const w = worker;
    const serving = await Promise.race([
      waitFor('procos-worker to log "serving"', () => w.logs.find((l) => l.msg === 'serving'), WAIT),
      w.closed.then((code) => {
        throw new Error(`procos-worker exited with ${code} before serving:\n${w.output.stderr}${w.output.stdout}`);
      }),
    ]);
    workerPort = serving.httpPort as number;
  }, HOOK_TIMEOUT_MS);

  afterAll(async () => {
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGKILL');
      await worker.closed;
    }
    await h?.stop();
    await new Promise<void>((r) => smtp.close(() => r()));
    priceApi.closeAllConnections();
    await new Promise<void>((r) => priceApi.close(() => r()));
    await modelServer?.close();
    await disposeLocalModels();
  }, HOOK_TIMEOUT_MS);

  const harness = (): Harness => {
    if (!h) throw new Error('the harness did not start (see beforeAll)');
    return h;
  };

  /** How the instance ended: state, end events, final variables. */
  async function outcomeOf(key: string): Promise<Pick<InstanceRecord, 'state' | 'endEvents' | 'variables'>> {
    const r = await waitUntil(
      `process instance ${key} to end`,
      () => harness().history.get(key),
      (v): v is InstanceRecord => v !== undefined && v.state !== 'ACTIVE',
      WAIT,
    );
    return { state: r.state, endEvents: r.endEvents, variables: r.variables };
  }

  /** The incident of an instance, from the engine's read API. */
  const incidentOf = (key: string): Promise<IncidentView> =>
    waitFor(
      `an incident of process instance ${key} on the read API`,
      async () => (await harness().api<IncidentView[]>('/v1/incidents')).find((i) => i.processInstanceKey === key),
      WAIT,
    );

  async function startOrder(o: { orderId: string; sku?: string; quantity?: number; email?: string; coupon?: string }) {
    const variables = { sku: 'WIDGET', quantity: 3, email: 'ada@example.test', coupon: 'TEN', ...o };
    const i = await harness().client().createProcessInstance({ bpmnProcessId: 'all-adapters', variables });
    instances.push(i.processInstanceKey);
    return { key: i.processInstanceKey, variables };
  }

  /** What the model server answers when asked directly what the ai handler asks. */
  async function directAnswer(prompt: string): Promise<{ text: string; tokens: number }> {
    const server = modelServer as ModelServer;
    const res = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPENAI_API_KEY}` },
      body: JSON.stringify({
        model: MODEL,
        messages: [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: prompt },
        ],
        max_tokens: NOTE_MAX_TOKENS,
        temperature: 0,
      }),
    });
    expect(res.status, 'the model server answering the test directly').toBe(200);
    const body = (await res.json()) as {
      choices: { message: { content: string } }[];
      usage: { total_tokens: number };
    };
    return { text: body.choices[0]?.message.content ?? '', tokens: body.usage.total_tokens };
  }

  it('is ready with all seven handlers, and one order runs through all of them to the mail', async () => {
    const ready = await fetch(`http://127.0.0.1:${workerPort}/ready`);
    expect(await ready.json(), '/ready of procos-worker').toEqual({
      status: 'ready',
      checks: [
        { name: 'engine', ok: true },
        { name: 'shop.validate (validate)', ok: true },
        { name: 'shop.price (http)', ok: true },
        { name: 'shop.total (compute)', ok: true },
        { name: 'shop.discount (python)', ok: true },
        { name: 'shop.note (ai)', ok: true },
        { name: 'shop.summary (format)', ok: true },
        { name: 'shop.mail (smtp)', ok: true },
      ],
    });

    const { key, variables } = await startOrder({ orderId: 'A-1001' });
    const outcome = await outcomeOf(key);
    // The note is the model's own greedy answer to the prompt the ai handler rendered.
    const note = await directAnswer('Order A-1001: 3 x WIDGET, to pay 33.75.');
    expect(note.text, 'the model answers with some text').not.toBe('');
    expect(note.tokens).toBeGreaterThan(0);
    const summary = `Order A-1001: 3 x WIDGET at 12.5 = 37.5, 3.75 off (TEN), to pay 33.75.\nNote: ${note.text}`;
    expect(outcome, `instance ${key} through all seven adapters`).toEqual({
      state: 'COMPLETED',
      endEvents: ['mailed'],
      variables: {
        ...variables,
        price: {
          status: 200,
          headers: expect.objectContaining({ 'content-type': 'application/json' }) as unknown,
          body: { sku: 'WIDGET', unitPrice: 12.5 },
        },
        total: 37.5, // Scilab
        discount: 3.75, // python
        toPay: 33.75,
        ai_response: note.text,
        tokens_used: note.tokens,
        model_used: MODEL,
        summary,
        messageId: expect.stringMatching(/^<.+@.+>$/) as unknown,
      },
    });

    const mail = await waitFor(
      'the mail about order A-1001 at the SMTP server',
      () => mails.find((m) => m.messageId === outcome.variables.messageId),
      WAIT,
    );
    expect(mail.subject).toBe('Order A-1001');
    expect(mail.to).toMatchObject({ text: 'ada@example.test' });
    expect(mail.from).toMatchObject({ text: '"Shop" <shop@shop.test>' });
    expect(mail.text?.trim(), 'the mailed text is the rendered summary').toBe(summary.trim());
    // The secrets were really used: the SMTP login and the model server's bearer check passed.
    expect(smtpLogins).toContainEqual({ user: 'mailer', ok: true });
    expect(
      smtpLogins.filter((l) => !l.ok),
      'refused SMTP logins',
    ).toEqual([]);
    const chats = (modelServer as ModelServer).requests.filter((r) => r.path.endsWith('/chat/completions'));
    expect(chats.map((r) => r.status)).toEqual([200, 200]); // the worker's and the test's own question
  });

  it('routes business errors to their boundary events: invalid input → VALIDATION_FAILED, an unknown SKU → HTTP_404', async () => {
    const mailsBefore = mails.length;
    const requestsBefore = priceRequests.length;
    const invalid = await startOrder({ orderId: 'A-1002', quantity: 0, email: 'no-at-sign' });
    const unknown = await startOrder({ orderId: 'A-1003', sku: 'GADGET' });
    expect(await outcomeOf(invalid.key), 'quantity 0 and a bad email').toEqual({
      state: 'COMPLETED',
      endEvents: ['rejected'],
      variables: invalid.variables,
    });
    expect(await outcomeOf(unknown.key), 'the price API answers 404 for GADGET').toEqual({
      state: 'COMPLETED',
      endEvents: ['no-price'],
      variables: unknown.variables,
    });
    expect(priceRequests.slice(requestsBefore), 'price API requests (none for the invalid order)').toEqual([
      '/prices/GADGET',
    ]);
    expect(mails.length, 'no mail for either').toBe(mailsBefore);
    // The worker says why: each violated path, and the request with the start of the 404 body.
    const logged = (code: string, key: string) =>
      waitFor(
        `procos-worker to log ${code} for instance ${key}`,
        () => worker?.logs.find((l) => l.errorCode === code && l.processInstanceKey === key),
        WAIT,
      );
    expect((await logged('VALIDATION_FAILED', invalid.key)).msg).toBe(
      'the variables do not match the schema: /quantity: must be >= 1; /email: must match pattern "^[^@]+@[^@]+$"',
    );
    expect((await logged('HTTP_404', unknown.key)).msg).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/prices\/GADGET answered 404 Not Found: \{"error":"no price for GADGET"\}$/,
    );
  });

  it('a script printing non-JSON is an incident quoting what it printed, and the worker keeps serving', async () => {
    const broken = await startOrder({ orderId: 'A-1004', coupon: 'BOGUS' });
    const incident = await incidentOf(broken.key);
    expect(incident).toMatchObject({ errorType: 'JOB_NO_RETRIES', elementId: 'apply-discount' });
    expect(incident.errorMessage).toBe(
      'python: the script must print one JSON object on stdout (debug output goes to stderr); it printed "unknown coupon BOGUS"',
    );

    const later = await startOrder({ orderId: 'A-1005', coupon: 'NONE', quantity: 2 });
    const outcome = await outcomeOf(later.key);
    expect(outcome, 'an order started after the incident').toMatchObject({
      state: 'COMPLETED',
      endEvents: ['mailed'],
      variables: { total: 25, discount: 0, toPay: 25, model_used: MODEL },
    });
    await waitFor('the mail about order A-1005', () => mails.find((m) => m.subject === 'Order A-1005'), WAIT);
    expect(harness().history.get(broken.key)?.state, 'the broken order waits at its incident').toBe('ACTIVE');
  });

  it('no secret value leaves the worker (logs, variables, incidents), and SIGTERM exits 0', async () => {
    const w = worker as WorkerProcess;
    w.child.kill('SIGTERM');
    expect(await w.closed, 'procos-worker exit code after SIGTERM').toBe(0);
    expect(w.logs.find((l) => l.msg === 'drained')).toBeDefined();
    expect(
      w.logs.filter((l) => l.msg === 'NOT A JSON LOG LINE'),
      'stdout lines that are not JSON logs',
    ).toEqual([]);

    const incidents = await harness().api<IncidentView[]>('/v1/incidents');
    const variables = instances.map((k) => harness().history.get(k)?.variables);
    const places = {
      stdout: w.output.stdout,
      stderr: w.output.stderr,
      variables: JSON.stringify(variables),
      incidents: JSON.stringify(incidents),
    };
    expect(places.stdout, 'the worker logged something to grep').toContain('"msg":"serving"');
    expect(
      variables.filter((v) => v === undefined),
      'instances without history',
    ).toEqual([]);
    const leaks = Object.entries({ SMTP_PASSWORD, OPENAI_API_KEY }).flatMap(([name, secret]) =>
      Object.entries(places).flatMap(([where, text]) => {
        const at = text.indexOf(secret);
        return at < 0 ? [] : [`secret ${name} in the ${where}: …${text.slice(Math.max(0, at - 120), at + 120)}…`];
      }),
    );
    expect(leaks, 'secret values found outside the worker').toEqual([]);
  });
});
