/**
 * The engine's HTTP API on plain node:http: OpenAI chat completions (SSE streaming and not),
 * /v1/models, /health, /metrics (Prometheus), and the seed's POST /reasoning.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ZodError } from 'zod';
import { silentLogger, type Logger } from '../shared/log';
import { hostAllowed, originAllowed } from '../shared/request-guard';
import { DeckError } from '../shared/errors';
import type { ChatEvent, ChatResult, Engine } from './engine';
import { openAiLogprobs, toEngineRequest } from './openai-chat';
import { OpenAiRequestError, REASONING_TASK_PROMPTS, describeZodError, paramPath, parseChatCompletionRequest, reasoningRequestSchema } from './openai-schema';
import { QueueFullError } from './request-queue';
import type { ToolCall } from './tool-calls';

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface EngineServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger?: Logger;
  /** Require `Authorization: Bearer <apiKey>` on the API routes. */
  apiKey?: string;
}

export interface EngineServer {
  server: http.Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code?: string,
    readonly hint?: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function errorBody(e: HttpError): unknown {
  return { error: { message: e.message, type: e.type, param: e.param, code: e.code ?? null, ...(e.hint ? { hint: e.hint } : {}) } };
}

/** Maps anything thrown while serving to an HTTP status and an OpenAI-style error. */
function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof OpenAiRequestError) return new HttpError(400, e.message, 'invalid_request_error', e.code, e.hint, e.param);
  if (e instanceof ZodError) {
    return new HttpError(400, `Invalid request: ${describeZodError(e)}`, 'invalid_request_error', 'invalid_value', undefined, paramPath(e.issues[0]?.path ?? []));
  }
  if (e instanceof QueueFullError) return new HttpError(503, e.message, 'server_busy', 'queue_full', e.hint);
  if (e instanceof DeckError) {
    const status = e.code === 'invalid_input' ? 400 : e.code === 'cancelled' ? 499 : 500;
    return new HttpError(status, e.message, status === 400 ? 'invalid_request_error' : 'server_error', e.code, e.hint);
  }
  return new HttpError(500, e instanceof Error ? e.message : String(e), 'server_error', 'internal');
}

async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `Request body is larger than ${MAX_BODY_BYTES} bytes.`, 'invalid_request_error');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim().length === 0) throw new HttpError(400, 'Request body is empty; send a JSON object.', 'invalid_request_error', 'invalid_input');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `Request body is not valid JSON: ${(e as Error).message}`, 'invalid_request_error', 'invalid_input');
  }
}

function usageOf(r: ChatResult) {
  return {
    prompt_tokens: r.usage.promptTokens,
    completion_tokens: r.usage.completionTokens,
    total_tokens: r.usage.totalTokens,
    prompt_tokens_details: { cached_tokens: r.usage.cachedPromptTokens },
  };
}

function timingsOf(r: ChatResult) {
  return {
    queued_ms: r.timings.queuedMs,
    time_to_first_token_ms: r.timings.timeToFirstTokenMs,
    total_ms: r.timings.totalMs,
    tokens_per_second: r.timings.tokensPerSecond,
    seed: r.seed,
  };
}

const streamToolCalls = (calls: ToolCall[]) => calls.map((c, index) => ({ index, ...c }));

export function createEngineHandler(engine: Engine, logger: Logger = silentLogger): http.RequestListener {
  const log = logger.child('http');

  /** Refuse at once rather than queue past the limit (checked before any work). */
  const ensureCapacity = () => {
    const s = engine.stats();
    if (s.running >= s.concurrency && s.waiting >= s.maxQueue) {
      engine.metrics.recordRequest('rejected');
      throw new QueueFullError(s.running, s.waiting);
    }
  };

  async function chatCompletions(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = parseChatCompletionRequest(await readJsonBody(req));
    ensureCapacity();
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
    const created = Math.floor(Date.now() / 1000);
    const model = engine.modelId;
    const request = toEngineRequest(body, abort.signal);

    if (!body.stream) {
      const r = await engine.chat(request);
      if (r.finishReason === 'cancelled') return;
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: r.content, refusal: null, ...(r.toolCalls.length > 0 ? { tool_calls: r.toolCalls } : {}) },
            logprobs: r.logprobs ? openAiLogprobs(engine.tokenizer, r.logprobs) : null,
            finish_reason: r.finishReason,
          },
        ],
        usage: usageOf(r),
        timings: timingsOf(r),
      });
      return;
    }

    // Headers go out once the request has a slot: errors before that (prompt too long, cancelled
    // while queued) still get a proper status, and a queued client is not told 200 too early.
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`;
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      res.write(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]));
    };
    const onEvent = (e: ChatEvent) => {
      start();
      const delta = e.type === 'tool_calls' ? { tool_calls: streamToolCalls(e.toolCalls) } : e.text.length > 0 ? { content: e.text } : {};
      const logprobs = e.logprobs ? openAiLogprobs(engine.tokenizer, e.logprobs) : null;
      res.write(chunk([{ index: 0, delta, logprobs, finish_reason: null }]));
    };
    let r: ChatResult;
    try {
      r = await engine.chat({ ...request, onStart: start }, onEvent);
    } catch (e) {
      if (!started) throw e;
      const err = toHttpError(e);
      res.end(`data: ${JSON.stringify(errorBody(err))}\n\ndata: [DONE]\n\n`);
      return;
    }
    if (r.finishReason === 'cancelled') {
      res.destroy();
      return;
    }
    start();
    // usage rides on the final chunk always; the separate usage chunk follows OpenAI's include_usage.
    res.write(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: r.finishReason }], { usage: usageOf(r), timings: timingsOf(r) }));
    if (body.stream_options?.include_usage) res.write(chunk([], { usage: usageOf(r) }));
    res.end('data: [DONE]\n\n');
  }

  async function reasoning(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = reasoningRequestSchema.parse(await readJsonBody(req));
    ensureCapacity();
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const started = performance.now();
    const r = await engine.chat({
      messages: [
        { role: 'system', content: REASONING_TASK_PROMPTS[body.task_type] },
        { role: 'user', content: body.prompt },
      ],
      maxTokens: body.max_length,
      temperature: body.temperature,
      signal: abort.signal,
    });
    if (r.finishReason === 'cancelled') return;
    sendJson(res, 200, {
      generated_text: r.content ?? '',
      task_type: body.task_type,
      inference_time: (performance.now() - started) / 1000,
      model: engine.modelId,
      usage: usageOf(r),
      finish_reason: r.finishReason,
    });
  }

  function health(res: http.ServerResponse): void {
    const s = engine.stats();
    sendJson(res, 200, {
      status: 'healthy',
      model: s.model,
      queue: { running: s.running, waiting: s.waiting, concurrency: s.concurrency, max_waiting: s.maxQueue },
      kv_cache_bytes: s.kvCacheBytes,
      // The model runs in a worker thread: this answer may come while a forward pass runs.
      forward_in_flight: s.forwardInFlight,
      context_length: engine.contextLength,
      kv_mode: engine.model.plan.mode,
      execution_providers: engine.model.executionProviders,
      capabilities: ['chat', 'tools', 'structured_output', 'logprobs', 'reasoning', 'math', 'coding'],
    });
  }

  const routes: Record<string, Partial<Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>>>> = {
    '/': {
      GET: (_q, res) =>
        sendJson(res, 200, {
          name: 'SLM Deck ONNX Runtime engine',
          model: engine.modelId,
          endpoints: ['/v1/chat/completions', '/v1/models', '/reasoning', '/health', '/metrics'],
        }),
    },
    '/health': { GET: (_q, res) => health(res) },
    '/v1/models': {
      GET: (_q, res) =>
        sendJson(res, 200, {
          object: 'list',
          data: [{ id: engine.modelId, object: 'model', created: 0, owned_by: 'slm-deck', context_length: engine.contextLength }],
        }),
    },
    '/metrics': {
      GET: (_q, res) => {
        const s = engine.stats();
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(engine.metrics.render(s));
      },
    },
    '/v1/chat/completions': { POST: chatCompletions },
    '/reasoning': { POST: reasoning },
  };

  return (req, res) => {
    let pathname = '?';
    const fail = (e: unknown) => {
      const err = toHttpError(e);
      if (err.status >= 500 && err.status !== 503) log.error('request failed', { path: pathname, message: err.message });
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      sendJson(res, err.status, errorBody(err), err.status === 503 ? { 'Retry-After': '1' } : {});
    };
    const url = requestUrl(req.url);
    if (!url) return fail(new HttpError(400, 'Malformed request target.', 'invalid_request_error', 'invalid_input'));
    pathname = url.pathname;
    const route = routes[url.pathname];
    const handler = route?.[req.method ?? 'GET'];
    if (!route) return fail(new HttpError(404, `No route ${url.pathname}.`, 'invalid_request_error', 'not_found'));
    if (!handler) {
      return fail(new HttpError(405, `${req.method} is not allowed on ${url.pathname}; use ${Object.keys(route).join(', ')}.`, 'invalid_request_error', 'method_not_allowed'));
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .catch(fail);
  };
}

function requestUrl(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://engine');
  } catch {
    return null;
  }
}

export interface EngineAccess {
  /** The address the server binds: a Host naming it is accepted besides the loopback names. */
  host: string;
  port: () => number;
  /** When set, /v1/* and /reasoning need `Authorization: Bearer <apiKey>` (as vLLM's --api-key). */
  apiKey?: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time (the same comparison as the headless server's token; the engine imports nothing from core). */
function keyMatches(given: string | null, expected: string): boolean {
  return given !== null && timingSafeEqual(digest(given), digest(expected));
}

/** Routes anyone who reaches the port may call: probes and metrics (vLLM leaves them open too). */
const OPEN_ROUTES = new Set(['/', '/health', '/metrics']);

/**
 * The outer guard every request passes: a foreign Host (DNS rebinding), a cross-site browser
 * Origin or a missing API key is refused, and anything thrown becomes a 500 and a log line,
 * never an exit.
 */
export function guardRequests(handler: http.RequestListener, access: EngineAccess, logger: Logger = silentLogger): http.RequestListener {
  const log = logger.child('http');
  const refuse = (res: http.ServerResponse, e: HttpError) => sendJson(res, e.status, errorBody(e), e.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
  return (req, res) => {
    try {
      if (!hostAllowed(req.headers.host, access.host)) {
        log.warn('request refused: foreign Host', { host: req.headers.host ?? null });
        return refuse(res, new HttpError(421, 'Unknown Host header.', 'invalid_request_error', 'forbidden', 'Reach the engine by its IP address or localhost.'));
      }
      if (!originAllowed(req.headers.origin, access.host, access.port())) {
        log.warn('request refused: foreign origin', { origin: req.headers.origin });
        return refuse(res, new HttpError(403, 'Cross-site requests are not allowed.', 'invalid_request_error', 'forbidden'));
      }
      if (access.apiKey !== undefined && !OPEN_ROUTES.has(requestUrl(req.url)?.pathname ?? '')) {
        const auth = req.headers.authorization ?? '';
        if (!keyMatches(auth.startsWith('Bearer ') ? auth.slice(7) : null, access.apiKey)) {
          return refuse(res, new HttpError(401, 'Missing or wrong API key.', 'invalid_request_error', 'unauthorized', 'Send `Authorization: Bearer <key>`.'));
        }
      }
      handler(req, res);
    } catch (e) {
      log.error('request failed', { message: e instanceof Error ? e.message : String(e) });
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, errorBody(toHttpError(e)));
    }
  };
}

/** Starts the HTTP server for a loaded engine; resolves once it listens. */
export function startEngineServer(engine: Engine, opts: EngineServerOptions = {}): Promise<EngineServer> {
  const host = opts.host ?? '127.0.0.1';
  let port = opts.port ?? 8080;
  const access: EngineAccess = { host, port: () => port, apiKey: opts.apiKey };
  const server = http.createServer(guardRequests(createEngineHandler(engine, opts.logger), access, opts.logger));
  // Unparsable request lines and headers: a 400 and a closed socket.
  server.on('clientError', (_e, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  // Long generations stream for minutes; never time out an open response.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      port = (server.address() as AddressInfo).port;
      const urlHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        server,
        port,
        url: `http://${urlHost}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
