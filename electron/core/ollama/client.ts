import type { z } from 'zod';
import { DeckError, isDeckError } from '../../shared/errors';
import type { OllamaCreateRequest } from '../../shared/modelfile';
import { connectError, midStreamError, notOllamaError, ollamaError } from './errors';
import { MalformedLineError, readNdjson } from './ndjson';
import { ErrorBodySchema, ProgressSchema, PsSchema, ShowSchema, TagsSchema, VersionSchema, type Progress } from './schemas';
import { parseJsonOrUndefined } from '../../shared/json';

export interface OllamaClientOptions {
  fetch?: typeof fetch;
  /** For requests that are not streams. */
  timeoutMs?: number;
}

interface SendOptions {
  json?: unknown;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** No overall timeout: pulls and creates take as long as they take. */
  stream?: boolean;
  /** Node's fetch needs duplex "half" to send a stream body. */
  duplex?: 'half';
}

/**
 * The one HTTP client for Ollama: global fetch, zod on every response, AbortSignal on every
 * call, NDJSON streams as async iterators. Every failure becomes a DeckError saying what was
 * being done and what to do about it.
 */
export class OllamaClient {
  readonly url: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(url: string, opts: OllamaClientOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  async version(signal?: AbortSignal): Promise<string> {
    return (await this.json('GET', '/api/version', VersionSchema, 'Checking Ollama', { signal })).version;
  }

  tags(signal?: AbortSignal) {
    return this.json('GET', '/api/tags', TagsSchema, 'Listing models', { signal });
  }

  show(model: string, signal?: AbortSignal) {
    return this.json('POST', '/api/show', ShowSchema, `Reading ${model}`, { json: { model }, signal });
  }

  ps(signal?: AbortSignal) {
    return this.json('GET', '/api/ps', PsSchema, 'Listing loaded models', { signal });
  }

  async remove(model: string, signal?: AbortSignal): Promise<void> {
    await this.drain(await this.send('DELETE', '/api/delete', `Deleting ${model}`, { json: { model }, signal }));
  }

  async copy(source: string, destination: string, signal?: AbortSignal): Promise<void> {
    await this.drain(await this.send('POST', '/api/copy', `Copying ${source} to ${destination}`, { json: { source, destination }, signal }));
  }

  /** An empty generate request with keep_alive 0 unloads the model (docs/api.md). */
  async unload(model: string, signal?: AbortSignal): Promise<void> {
    await this.drain(await this.send('POST', '/api/generate', `Unloading ${model}`, { json: { model, keep_alive: 0, stream: false }, signal }));
  }

  pull(model: string, signal?: AbortSignal): AsyncGenerator<Progress> {
    return this.progress('/api/pull', { model, stream: true }, `Pulling ${model}`, signal, true);
  }

  create(req: OllamaCreateRequest, signal?: AbortSignal): AsyncGenerator<Progress> {
    return this.progress('/api/create', { ...req, stream: true }, `Creating ${req.model}`, signal, false);
  }

  async hasBlob(digest: string, signal?: AbortSignal): Promise<boolean> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.url}/api/blobs/${digest}`, { method: 'HEAD', signal: this.signal(signal, false) });
    } catch (e) {
      throw connectError(this.url, e, 'Checking an uploaded file', signal);
    }
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw notOllamaError(this.url, res.status, `/api/blobs/${digest}`, 'Checking an uploaded file');
  }

  async pushBlob(digest: string, body: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<void> {
    await this.drain(await this.send('POST', `/api/blobs/${digest}`, 'Uploading a file to Ollama', { body, duplex: 'half', signal, stream: true }));
  }

  // ---- plumbing --------------------------------------------------------------------------

  private signal(caller: AbortSignal | undefined, stream: boolean): AbortSignal | undefined {
    const parts = [caller, stream ? undefined : AbortSignal.timeout(this.timeoutMs)].filter((s): s is AbortSignal => Boolean(s));
    return parts.length ? AbortSignal.any(parts) : undefined;
  }

  private async send(method: string, path: string, what: string, opts: SendOptions): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers };
    let body = opts.body;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    const init: RequestInit & { duplex?: 'half' } = { method, headers, body, signal: this.signal(opts.signal, Boolean(opts.stream)) };
    if (opts.duplex) init.duplex = opts.duplex;
    let res: Response;
    try {
      res = await this.fetchFn(`${this.url}${path}`, init);
    } catch (e) {
      throw connectError(this.url, e, what, opts.signal);
    }
    if (res.ok) return res;
    let text = '';
    try {
      text = await res.text();
    } catch {
      // The body is only used for the message.
    }
    const parsed = ErrorBodySchema.safeParse(parseJsonOrUndefined(text));
    if (parsed.success) throw ollamaError(this.url, res.status, parsed.data.error, what);
    throw notOllamaError(this.url, res.status, path, what);
  }

  private async json<S extends z.ZodType>(method: string, path: string, schema: S, what: string, opts: SendOptions): Promise<z.output<S>> {
    const res = await this.send(method, path, what, opts);
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw midStreamError(this.url, e, what, opts.signal);
    }
    const parsed = schema.safeParse(parseJsonOrUndefined(text));
    if (!parsed.success) {
      throw new DeckError(
        'server_error',
        `${what}: ${this.url} sent an answer SLM Deck does not understand (${path}: ${parsed.error.issues[0]?.path.join('.') || 'body'} ${parsed.error.issues[0]?.message ?? ''}).`,
        'Check that the URL points to Ollama 0.5.5 or later.',
      );
    }
    return parsed.data;
  }

  private async drain(res: Response): Promise<void> {
    await res.arrayBuffer().catch(() => undefined);
  }

  private async *progress(path: string, body: unknown, what: string, signal: AbortSignal | undefined, resumable: boolean): AsyncGenerator<Progress> {
    const res = await this.send('POST', path, what, { json: body, signal, stream: true });
    if (!res.body) throw new DeckError('server_error', `${what}: Ollama sent an empty answer.`, 'Try again; see the Ollama server log.');
    let success = false;
    try {
      for await (const raw of readNdjson(res.body)) {
        const line = ProgressSchema.safeParse(raw);
        if (!line.success) {
          throw new DeckError('server_error', `${what}: Ollama sent a progress line SLM Deck does not understand.`, 'Check that the URL points to Ollama 0.5.5 or later.');
        }
        if (line.data.error !== undefined) throw ollamaError(this.url, null, line.data.error, what);
        if (line.data.status === 'success') success = true;
        yield line.data;
      }
    } catch (e) {
      if (isDeckError(e)) throw e;
      if (e instanceof MalformedLineError) {
        throw new DeckError('server_error', `${what}: Ollama sent a malformed progress line (${e.line.slice(0, 80)}).`, 'See the Ollama server log.');
      }
      throw midStreamError(this.url, e, what, signal, resumable);
    }
    if (!success) {
      if (signal?.aborted) throw new DeckError('cancelled', `${what}: cancelled.`);
      throw new DeckError(
        'server_error',
        `${what}: Ollama ended the stream without reporting success.`,
        resumable ? 'Pull again: the part already downloaded is kept.' : 'Try again; see the Ollama server log.',
      );
    }
  }
}

