// Real peers for the HTTP providers in tests: an OpenAI-compatible server (/v1/models,
// /v1/chat/completions) and an Ollama-API server (/api/tags, /api/chat) on 127.0.0.1, both
// answering from a local GGUF model through the same LocalModel the local provider uses — so a
// greedy answer is the same whichever way it was asked. They can also answer the next requests
// with a chosen status (401, 429, 500, …) to exercise the adapter's error handling.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalModel } from '../local-model.js';

export interface ServedRequest {
  method: string;
  path: string;
  status: number;
  authorization: string | undefined;
}

export interface ModelServer {
  /** The baseUrl a handler config uses. */
  baseUrl: string;
  port: number;
  /** Every request answered, in order. */
  requests: ServedRequest[];
  /** Answers the next `times` requests with `status` (and a body shaped like the real API's). */
  failNext(status: number, times?: number): void;
  close(): Promise<void>;
}

export interface ModelServerOptions {
  /** The model name the server offers. */
  modelName: string;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
}

interface ChatMessage {
  role?: unknown;
  content?: unknown;
}

interface Chat {
  model: unknown;
  messages: ChatMessage[];
  maxTokens: number;
  temperature: number;
  json: { schema: Record<string, unknown> | undefined } | undefined;
}

type Route = (body: unknown, signal: AbortSignal) => Promise<[number, unknown]>;

export function startOpenAiServer(model: LocalModel, o: ModelServerOptions): Promise<ModelServer> {
  const unknownModel = (name: unknown): [number, unknown] => [
    404,
    {
      error: {
        message: `The model '${String(name)}' does not exist or you do not have access to it.`,
        type: 'invalid_request_error',
        code: 'model_not_found',
      },
    },
  ];
  return serve(
    o,
    '/v1',
    {
      'GET /v1/models': () =>
        Promise.resolve([
          200,
          { object: 'list', data: [{ id: o.modelName, object: 'model', owned_by: 'procos-test' }] },
        ]),
      'POST /v1/chat/completions': async (raw, signal) => {
        const b = raw as {
          model?: unknown;
          messages?: ChatMessage[];
          max_tokens?: number;
          temperature?: number;
          response_format?: { type?: string; json_schema?: { schema?: Record<string, unknown> } };
        };
        if (b.model !== o.modelName) return unknownModel(b.model);
        const rf = b.response_format;
        const chat: Chat = {
          model: b.model,
          messages: b.messages ?? [],
          maxTokens: b.max_tokens ?? 256,
          temperature: b.temperature ?? 1,
          json:
            rf?.type === 'json_schema' || rf?.type === 'json_object' ? { schema: rf.json_schema?.schema } : undefined,
        };
        const a = await answer(model, chat, signal);
        return [
          200,
          {
            id: `chatcmpl-${Date.now()}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: o.modelName,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: a.text },
                finish_reason: a.outputTokens >= chat.maxTokens ? 'length' : 'stop',
              },
            ],
            usage: {
              prompt_tokens: a.inputTokens,
              completion_tokens: a.outputTokens,
              total_tokens: a.inputTokens + a.outputTokens,
            },
          },
        ];
      },
    },
    (status) =>
      status === 401
        ? { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } }
        : { error: { message: `injected failure ${status}`, type: 'server_error', code: null } },
  );
}

export function startOllamaServer(model: LocalModel, o: ModelServerOptions): Promise<ModelServer> {
  const tag = o.modelName.includes(':') ? o.modelName : `${o.modelName}:latest`;
  return serve(
    o,
    '/api',
    {
      'GET /api/tags': () =>
        Promise.resolve([200, { models: [{ name: tag, model: tag, size: 0, details: { format: 'gguf' } }] }]),
      'POST /api/chat': async (raw, signal) => {
        const b = raw as {
          model?: unknown;
          messages?: ChatMessage[];
          format?: unknown;
          options?: { num_predict?: number; temperature?: number };
        };
        if (b.model !== o.modelName && b.model !== tag)
          return [404, { error: `model '${String(b.model)}' not found, try pulling it first` }];
        const chat: Chat = {
          model: b.model,
          messages: b.messages ?? [],
          maxTokens: b.options?.num_predict ?? 128,
          temperature: b.options?.temperature ?? 0.8,
          json:
            b.format === 'json'
              ? { schema: undefined }
              : typeof b.format === 'object' && b.format !== null
                ? { schema: b.format as Record<string, unknown> }
                : undefined,
        };
        const a = await answer(model, chat, signal);
        return [
          200,
          {
            model: b.model,
            created_at: new Date().toISOString(),
            message: { role: 'assistant', content: a.text },
            done: true,
            done_reason: a.outputTokens >= chat.maxTokens ? 'length' : 'stop',
            prompt_eval_count: a.inputTokens,
            eval_count: a.outputTokens,
          },
        ];
      },
    },
    (status) => ({ error: status === 401 ? 'unauthorized' : `injected failure ${status}` }),
  );
}

/** One turn: the system messages joined, the last user message as the prompt. */
function answer(model: LocalModel, chat: Chat, signal: AbortSignal) {
  const text = (m: ChatMessage): string => (typeof m.content === 'string' ? m.content : '');
  const system = chat.messages.filter((m) => m.role === 'system').map(text);
  const user = chat.messages.filter((m) => m.role === 'user').at(-1);
  return model.ask({
    system: system.length ? system.join('\n') : undefined,
    prompt: user ? text(user) : '',
    maxTokens: chat.maxTokens,
    temperature: chat.temperature,
    json: chat.json,
    signal,
  });
}

async function serve(
  o: ModelServerOptions,
  prefix: string,
  routes: Record<string, Route>,
  failureBody: (status: number) => unknown,
): Promise<ModelServer> {
  const requests: ServedRequest[] = [];
  const injected: number[] = [];
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => send(res, 500, { error: String(err) }));
  });
  const send = (res: ServerResponse, status: number, body: unknown, req?: IncomingMessage): void => {
    if (req)
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        status,
        authorization: req.headers.authorization,
      });
    const data = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(data),
      ...(status === 429 && { 'retry-after': '1' }),
    });
    res.end(data);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const failure = injected.shift();
    if (failure !== undefined) return send(res, failure, failureBody(failure), req);
    if (o.apiKey && req.headers.authorization !== `Bearer ${o.apiKey}`) return send(res, 401, failureBody(401), req);
    const route = routes[`${req.method ?? ''} ${new URL(req.url ?? '/', 'http://x').pathname}`];
    if (!route) return send(res, 404, { error: `no route ${req.method ?? ''} ${req.url ?? ''} under ${prefix}` }, req);
    let body: unknown;
    try {
      body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
    } catch {
      return send(res, 400, { error: 'the body is not JSON' }, req);
    }
    // A client that goes away (timeout) stops the generation.
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) gone.abort(new Error('client went away'));
    });
    const [status, out] = await route(body, gone.signal);
    send(res, status, out, req);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}${prefix === '/v1' ? '/v1' : ''}`,
    port,
    requests,
    failNext(status, times = 1) {
      for (let i = 0; i < times; i++) injected.push(status);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
