import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { handleChat, handleGenerate, type InferenceRecord, type ScriptedReply } from './chat';
import { LIBRARY, manifestDigest, sha, totalSize, type Layer, type ModelRecord } from './library';
import { displayShortest, nameKey, parseName, type ModelName } from './names';
import { checkTypes, HttpError, NdjsonStream, parseJsonBody, parseKeepAlive, readBody, sendEmpty, sendJson, sendText } from './wire';

/**
 * A protocol fake of the Ollama HTTP API, written from docs/api.md, docs/openapi.yaml and
 * server/routes.go of ollama/ollama, for tests on machines that cannot run Ollama. It keeps
 * models, partial downloads, uploaded blobs and loaded models in memory, refuses what real
 * Ollama refuses (with its messages and status codes), and has knobs to make pulls slow,
 * fail, hold or crash. See README.md next to this file.
 */

export interface FakeOptions {
  /** Library names installed at start, e.g. ['phi4-mini']. */
  installed?: string[];
  version?: string;
  port?: number;
  /** Address to listen on (default 127.0.0.1; the stand-in image listens on 0.0.0.0). */
  host?: string;
  /** Bytes added to a layer per progress line ('auto' = 1/20 of the layer) and the pause between lines. */
  pull?: { chunkBytes?: number | 'auto'; intervalMs?: number };
  /** Fraction of a loaded model that /api/ps reports in VRAM (0 on a CPU-only machine). */
  vramFraction?: number;
  /** Pause between streamed chat/generate chunks. */
  tokenIntervalMs?: number;
}

export type PullTrouble =
  /** `{"error": message}` mid-stream once this many bytes were reported in this pull. */
  | { kind: 'error'; afterBytes: number; message?: string }
  /** The whole server goes away (connections dropped, port closed); `restart()` brings it back. */
  | { kind: 'die'; afterBytes: number }
  /** Progress stops (the connection stays open) until `releasePull()`; for cancel tests. */
  | { kind: 'hold'; afterBytes: number };

interface Loaded {
  model: ModelRecord;
  expiresAt: number | 'forever';
  numCtx: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  body: unknown;
}

const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;

export class OllamaFake {
  url = '';
  port = 0;
  readonly models = new Map<string, ModelRecord>();
  /** digest -> bytes downloaded so far (Ollama's `-partial` files). */
  readonly partial = new Map<string, number>();
  /** digest -> content (null for library weights, which the fake never materialises). */
  readonly blobs = new Map<string, Buffer | null>();
  readonly loaded = new Map<string, Loaded>();
  readonly requests: RequestRecord[] = [];
  readonly inferences: InferenceRecord[] = [];
  /** Pull streams whose client is still connected. */
  activePulls = 0;
  /** Each pull's progress lines, for assertions. */
  readonly pullLog: Array<{ model: string; lines: unknown[] }> = [];
  private scripts: ScriptedReply[] = [];
  private trouble: PullTrouble | null = null;
  private releaseHold: (() => void) | null = null;
  private holdWaiters: Array<() => void> = [];
  private server: http.Server | null = null;
  private sockets = new Set<Socket>();
  version: string;
  pullChunk: number | 'auto';
  pullIntervalMs: number;
  vramFraction: number;
  tokenIntervalMs: number;

  constructor(private opts: FakeOptions = {}) {
    this.version = opts.version ?? '0.12.6';
    this.pullChunk = opts.pull?.chunkBytes ?? 'auto';
    this.pullIntervalMs = opts.pull?.intervalMs ?? 2;
    this.vramFraction = opts.vramFraction ?? 0;
    this.tokenIntervalMs = opts.tokenIntervalMs ?? 0;
    for (const name of opts.installed ?? []) this.install(name);
  }

  // ---- knobs -------------------------------------------------------------------------

  /** Installs a library model as if pulled earlier. */
  install(name: string): ModelRecord {
    const key = nameKey(name);
    const manifest = key ? LIBRARY[key] : undefined;
    if (!key || !manifest) throw new Error(`fake ollama: no library model ${name}`);
    for (const l of manifest.layers) this.blobs.set(l.digest, null);
    const rec: ModelRecord = { ...structuredClone(manifest), name: displayShortest(parseName(name)!), modifiedAt: new Date() };
    this.models.set(key, rec);
    return rec;
  }

  /** Adds any model, e.g. one with other capabilities. */
  addModel(rec: Partial<ModelRecord> & { name: string }): ModelRecord {
    const base = structuredClone(LIBRARY['phi4-mini:latest']);
    const full: ModelRecord = { ...base, ...rec, name: displayShortest(parseName(rec.name)!), modifiedAt: rec.modifiedAt ?? new Date() };
    this.models.set(nameKey(rec.name)!, full);
    return full;
  }

  setCapabilities(name: string, capabilities: string[]): void {
    const m = this.findModel(name);
    if (!m) throw new Error(`fake ollama: no model ${name}`);
    m.capabilities = capabilities;
  }

  /** Queue replies for /api/chat and /api/generate, consumed first in, first out. */
  script(...replies: ScriptedReply[]): void {
    this.scripts.push(...replies);
  }

  /** The next pull runs into this trouble (once). */
  troubleNextPull(t: PullTrouble): void {
    this.trouble = t;
  }

  /** Resolves when a pull reaches its 'hold' point. */
  whenHeld(): Promise<void> {
    return new Promise((r) => this.holdWaiters.push(r));
  }

  releasePull(): void {
    this.releaseHold?.();
    this.releaseHold = null;
  }

  findModel(name: string): ModelRecord | undefined {
    const key = nameKey(name);
    return key ? this.models.get(key) : undefined;
  }

  // ---- lifecycle -----------------------------------------------------------------------

  async start(): Promise<this> {
    const server = http.createServer((req, res) => void this.route(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port || this.opts.port || 0, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  /** Stops answering at once, as a crashed or killed server does. State is kept. */
  crash(): void {
    this.server?.close();
    this.server = null;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /** Comes back on the same port with the same state (partial downloads included). */
  restart(): Promise<this> {
    return this.start();
  }

  async close(): Promise<void> {
    this.releasePull();
    const s = this.server;
    this.crash();
    if (s) await new Promise((r) => s.close(() => r(undefined)));
  }

  // ---- routing -------------------------------------------------------------------------

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    try {
      const raw = await readBody(req);
      const parse = () => parseJsonBody(raw);
      this.requests.push({ method, path, body: raw.length ? safeJson(raw) : undefined });
      const blob = /^\/api\/blobs\/([^/]+)$/.exec(path);
      const is = (m: string | string[], p: string) => (Array.isArray(m) ? m.includes(method) : m === method) && path === p;
      if (is(['GET', 'HEAD'], '/')) return sendText(res, 200, 'Ollama is running');
      if (is(['GET', 'HEAD'], '/api/version')) return sendJson(res, 200, { version: this.version });
      if (is(['GET', 'HEAD'], '/api/tags')) return sendJson(res, 200, { models: this.list() });
      if (is('GET', '/api/ps')) return sendJson(res, 200, { models: this.ps() });
      if (is('POST', '/api/show')) return sendJson(res, 200, this.show(parse()));
      if (is('DELETE', '/api/delete')) return this.remove(parse(), res);
      if (is('POST', '/api/copy')) return this.copy(parse(), res);
      if (is('POST', '/api/pull')) return await this.pull(parse(), res);
      if (is('POST', '/api/create')) return await this.create(parse(), res);
      if (is('POST', '/api/chat')) {
        const b = parse();
        checkTypes(b, { model: 'string', messages: 'array', stream: 'boolean', tools: 'array', options: 'object' }, 'ChatRequest');
        return await handleChat(this.chatEnv(), b, res, parseKeepAlive(b.keep_alive));
      }
      if (is('POST', '/api/generate')) {
        const b = parse();
        checkTypes(b, { model: 'string', prompt: 'string', system: 'string', stream: 'boolean', options: 'object' }, 'GenerateRequest');
        return await handleGenerate(this.chatEnv(), b, res, parseKeepAlive(b.keep_alive));
      }
      if (blob && method === 'HEAD') return this.headBlob(blob[1], res);
      if (blob && method === 'POST') return this.postBlob(blob[1], raw, res);
      const known = ['/', '/api/version', '/api/tags', '/api/ps', '/api/show', '/api/delete', '/api/copy', '/api/pull', '/api/create', '/api/chat', '/api/generate'];
      if (known.includes(path) || blob) return sendText(res, 405, '405 method not allowed');
      return sendText(res, 404, '404 page not found');
    } catch (e) {
      if (e instanceof HttpError) return sendJson(res, e.status, { error: e.message });
      return sendJson(res, 500, { error: e instanceof Error ? e.message : String(e) });
    }
  }

  // ---- models --------------------------------------------------------------------------

  private list() {
    return [...this.models.values()]
      .sort((a, b) => b.modifiedAt.getTime() - a.modifiedAt.getTime())
      .map((m) => ({
        name: m.name,
        model: m.name,
        modified_at: m.modifiedAt.toISOString(),
        size: totalSize(m),
        digest: manifestDigest(m),
        details: m.details,
      }));
  }

  private requireName(body: Record<string, unknown>, field = 'model'): string {
    checkTypes(body, { [field]: 'string', name: 'string' }, 'Request');
    const name = (body[field] as string | undefined) || (body.name as string | undefined) || '';
    if (!name) throw new HttpError(400, 'model is required');
    return name;
  }

  private show(body: Record<string, unknown>) {
    const name = this.requireName(body);
    if (!parseName(name)) throw new HttpError(400, 'invalid model name');
    const m = this.findModel(name);
    if (!m) throw new HttpError(404, `model '${name}' not found`);
    const omitEmpty = (k: string, v: string) => (v ? { [k]: v } : {});
    return {
      ...omitEmpty('license', m.license.join('\n')),
      modelfile: this.modelfileOf(m),
      ...omitEmpty('parameters', parametersText(m.parameters)),
      ...omitEmpty('template', m.template),
      ...omitEmpty('system', m.system),
      details: m.details,
      ...(m.messages.length ? { messages: m.messages } : {}),
      model_info: m.modelInfo,
      capabilities: m.capabilities,
      modified_at: m.modifiedAt.toISOString(),
      ...(m.requires ? { requires: m.requires } : {}),
    };
  }

  /** Model.String() with parser.Command quoting, as `ollama show --modelfile` prints it. */
  private modelfileOf(m: ModelRecord): string {
    const weights = m.layers.find((l) => l.mediaType === 'application/vnd.ollama.image.model');
    const lines = [
      '# Modelfile generated by "ollama show"',
      '# To build a new Modelfile based on this, replace FROM with:',
      `# FROM ${m.name}`,
      '',
      `FROM /root/.ollama/models/blobs/${(weights?.digest ?? 'sha256:0').replace(':', '-')}`,
    ];
    if (m.template) lines.push(`TEMPLATE ${ollamaQuote(m.template)}`);
    if (m.system) lines.push(`SYSTEM ${ollamaQuote(m.system)}`);
    for (const [k, v] of Object.entries(m.parameters)) {
      for (const one of Array.isArray(v) ? v : [v]) lines.push(`PARAMETER ${k} ${ollamaQuote(String(one))}`);
    }
    for (const l of m.license) lines.push(`LICENSE ${ollamaQuote(l)}`);
    for (const msg of m.messages) lines.push(`MESSAGE ${msg.role} ${ollamaQuote(msg.content)}`);
    return lines.join('\n') + '\n';
  }

  private remove(body: Record<string, unknown>, res: ServerResponse): void {
    const name = this.requireName(body);
    if (!parseName(name)) throw new HttpError(400, `name ${JSON.stringify(name)} is invalid`);
    const key = nameKey(name)!;
    if (!this.models.delete(key)) throw new HttpError(404, `model '${name}' not found`);
    sendEmpty(res, 200);
  }

  private copy(body: Record<string, unknown>, res: ServerResponse): void {
    checkTypes(body, { source: 'string', destination: 'string' }, 'CopyRequest');
    const source = String(body.source ?? '');
    const destination = String(body.destination ?? '');
    if (!parseName(source)) throw new HttpError(400, `source ${JSON.stringify(source)} is invalid`);
    if (!parseName(destination)) throw new HttpError(400, `destination ${JSON.stringify(destination)} is invalid`);
    const m = this.findModel(source);
    if (!m) throw new HttpError(404, `model ${JSON.stringify(source)} not found`);
    this.models.set(nameKey(destination)!, { ...structuredClone(m), name: displayShortest(parseName(destination)!), modifiedAt: new Date() });
    sendEmpty(res, 200);
  }

  private ps() {
    const now = Date.now();
    for (const [k, l] of this.loaded) if (l.expiresAt !== 'forever' && l.expiresAt <= now) this.loaded.delete(k);
    return [...this.loaded.values()]
      .sort((a, b) => expiry(b) - expiry(a))
      .map((l) => {
        const size = totalSize(l.model) + l.numCtx * kvBytesPerToken(l.model);
        return {
          name: l.model.name,
          model: l.model.name,
          size,
          digest: manifestDigest(l.model),
          details: l.model.details,
          expires_at: new Date(l.expiresAt === 'forever' ? 253402300799000 : l.expiresAt).toISOString(),
          size_vram: Math.round(size * this.vramFraction),
          context_length: l.numCtx,
        };
      });
  }

  // ---- pull ----------------------------------------------------------------------------

  private async pull(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    checkTypes(body, { model: 'string', name: 'string', stream: 'boolean', insecure: 'boolean' }, 'PullRequest');
    const name = (body.model as string) || (body.name as string) || '';
    const parsed = parseName(name);
    if (!parsed) throw new HttpError(400, 'invalid model name');
    const log: unknown[] = [];
    this.pullLog.push({ model: name, lines: log });
    const streaming = body.stream !== false;
    const out = streaming ? new NdjsonStream(res) : null;
    let last: unknown = null;
    const emit = (o: unknown) => {
      log.push(o);
      last = o;
      out?.write(o);
    };
    const fail = (msg: string, status?: number) => {
      log.push({ error: msg });
      if (out) out.fail(msg, status);
      else sendJson(res, status ?? 500, { error: msg });
    };
    let closed = false;
    this.activePulls++;
    const onClosed = new Promise<void>((r) =>
      res.on('close', () => {
        closed = true;
        this.activePulls--;
        r();
      }),
    );
    const result = await this.runPull(parsed, emit, () => closed, onClosed);
    if (result === 'gone') return;
    if (result !== 'ok') return fail(result);
    if (out) out.end();
    else sendJson(res, 200, last);
  }

  /** PullModel: manifest, then each layer (resuming partial blobs), verify, write manifest. */
  private async runPull(
    name: ModelName,
    emit: (o: unknown) => void,
    gone: () => boolean,
    closed: Promise<void> = new Promise(() => undefined),
  ): Promise<'ok' | 'gone' | string> {
    emit({ status: 'pulling manifest' });
    const key = displayShortest(name).toLowerCase();
    const manifest = LIBRARY[key];
    if (!manifest) return 'pull model manifest: file does not exist';
    const trouble = this.trouble;
    this.trouble = null;
    let sentBytes = 0;
    for (const layer of manifest.layers) {
      let have = this.blobs.has(layer.digest) ? layer.size : (this.partial.get(layer.digest) ?? 0);
      const status = `pulling ${layer.digest.slice(7, 19)}`;
      emit(have > 0 ? { status, digest: layer.digest, total: layer.size, completed: have } : { status, digest: layer.digest, total: layer.size });
      const chunk = this.pullChunk === 'auto' ? Math.ceil(layer.size / 20) : this.pullChunk;
      while (have < layer.size) {
        await sleep(this.pullIntervalMs);
        if (gone()) return 'gone';
        const step = Math.min(chunk, layer.size - have);
        if (trouble && sentBytes + step > trouble.afterBytes) {
          const upto = Math.max(0, trouble.afterBytes - sentBytes);
          have += upto;
          this.partial.set(layer.digest, have);
          if (trouble.kind === 'die') {
            this.crash();
            return 'gone';
          }
          if (trouble.kind === 'error') {
            return trouble.message ?? `max retries exceeded: Get "https://dd20bb891979d25aebc8bec07b2b3bbc.r2.cloudflarestorage.com/ollama/docker/registry/v2/blobs/${layer.digest.replace(':', '/')}": read: connection reset by peer`;
          }
          // Held until released, or until the client goes away (a cancelled pull).
          await Promise.race([this.hold(), closed]);
          if (gone()) return 'gone';
          continue;
        }
        have += step;
        sentBytes += step;
        this.partial.set(layer.digest, have);
        emit({ status, digest: layer.digest, total: layer.size, completed: have });
      }
      this.partial.delete(layer.digest);
      this.blobs.set(layer.digest, null);
    }
    emit({ status: 'verifying sha256 digest' });
    emit({ status: 'writing manifest' });
    this.models.set(key, { ...structuredClone(manifest), name: displayShortest(name), modifiedAt: new Date() });
    emit({ status: 'success' });
    return 'ok';
  }

  private hold(): Promise<void> {
    for (const w of this.holdWaiters.splice(0)) w();
    return new Promise((r) => (this.releaseHold = r));
  }

  // ---- create --------------------------------------------------------------------------

  private async create(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    checkTypes(
      body,
      {
        model: 'string', name: 'string', from: 'string', files: 'object', adapters: 'object', template: 'string', system: 'string',
        parameters: 'object', messages: 'array', quantize: 'string', stream: 'boolean', requires: 'string', renderer: 'string', parser: 'string',
      },
      'CreateRequest',
    );
    for (const f of Object.keys((body.files as object) ?? {})) {
      if (!validRelativePath(f)) throw new HttpError(400, 'file path must be relative');
    }
    const rawName = (body.model as string) || (body.name as string) || '';
    const name = parseName(rawName);
    if (!name) throw new HttpError(400, 'invalid model name');

    const streaming = body.stream !== false;
    const out = streaming ? new NdjsonStream(res) : null;
    let last: unknown = null;
    const emit = (o: unknown) => {
      last = o;
      out?.write(o);
    };
    const fail = (msg: string, status?: number) => (out ? out.fail(msg, status) : sendJson(res, status ?? 500, { error: msg }));
    let closed = false;
    res.on('close', () => (closed = true));

    let base: ModelRecord | undefined;
    let layers: Layer[] = [];
    if (typeof body.from === 'string' && body.from) {
      const fromName = parseName(body.from);
      if (!fromName) return fail('invalid model name', 400);
      base = this.findModel(body.from);
      if (!base) {
        // CreateHandler -> parseFromModel pulls a base that is not installed yet.
        const r = await this.runPull(fromName, emit, () => closed);
        if (r === 'gone') return;
        if (r !== 'ok') return fail(r);
        base = this.findModel(body.from)!;
      }
      layers = base.layers.filter((l) => l.mediaType === 'application/vnd.ollama.image.model' || l.mediaType === 'application/vnd.ollama.image.adapter');
    } else if (body.files && typeof body.files === 'object') {
      const files = body.files as Record<string, string>;
      const problem = this.checkGguf(files, false);
      if (problem) return fail(problem, 400);
      emit({ status: 'parsing GGUF' });
      layers = Object.values(files).map((d) => ({ mediaType: 'application/vnd.ollama.image.model', digest: d, size: this.blobs.get(d)?.length ?? 0 }));
    } else {
      return fail("neither 'from' or 'files' was specified", 400);
    }

    if (body.adapters && typeof body.adapters === 'object') {
      const adapters = body.adapters as Record<string, string>;
      const problem = this.checkGguf(adapters, true);
      if (problem) return fail(problem, 400);
      emit({ status: 'parsing GGUF' });
      layers = [
        ...layers.filter((l) => l.mediaType !== 'application/vnd.ollama.image.adapter'),
        ...Object.values(adapters).map((d) => ({ mediaType: 'application/vnd.ollama.image.adapter', digest: d, size: this.blobs.get(d)?.length ?? 0 })),
      ];
    }

    const details = base ? { ...base.details } : { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '', quantization_level: '' };
    if (typeof body.quantize === 'string' && body.quantize) {
      const want = body.quantize.toUpperCase();
      if (!['F16', 'F32'].includes(details.quantization_level)) return fail('quantization is only supported for F16 and F32 models');
      if (!['Q4_K_M', 'Q4_K_S', 'Q8_0'].includes(want)) return fail(`unsupported quantization type ${want} - supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0`);
      const weights = layers[0];
      const quantised = { ...weights, digest: `sha256:${sha(weights.digest + want)}`, size: Math.round(weights.size * (want === 'Q8_0' ? 0.53 : 0.32)) };
      for (let i = 1; i <= 4; i++) {
        emit({ status: `quantizing ${details.quantization_level} model to ${want}`, digest: '0000000000000000000', total: weights.size, completed: Math.round((weights.size * i) / 4) });
      }
      emit({ status: 'verifying conversion' });
      layers = [quantised, ...layers.slice(1)];
      details.quantization_level = want;
    }

    const template = typeof body.template === 'string' && body.template ? body.template : (base?.template ?? '');
    if (typeof body.template === 'string' && body.template) {
      const problem = templateProblem(body.template);
      if (problem) return fail(`template error: ${problem}`, 400);
    }
    const system = typeof body.system === 'string' && body.system ? body.system : (base?.system ?? '');
    const license = [...(base?.license ?? []), ...licensesOf(body.license)];
    // setParameters: the base's parameters are kept unless the request sets them.
    const parameters = { ...(base?.parameters ?? {}), ...((body.parameters as Record<string, unknown>) ?? {}) };
    const messages = Array.isArray(body.messages) && body.messages.length ? (body.messages as ModelRecord['messages']) : (base?.messages ?? []);

    for (const l of layers) emit({ status: `using existing layer ${l.digest}` });
    const extra: Layer[] = [];
    const addLayer = (mediaType: string, content: string) => {
      const digest = `sha256:${sha(content)}`;
      extra.push({ mediaType, digest, size: Buffer.byteLength(content) });
      emit({ status: this.blobs.has(digest) ? `using existing layer ${digest}` : `creating new layer ${digest}` });
      this.blobs.set(digest, Buffer.from(content));
    };
    if (template) addLayer('application/vnd.ollama.image.template', template);
    if (system) addLayer('application/vnd.ollama.image.system', system);
    for (const l of license) addLayer('application/vnd.ollama.image.license', l);
    if (Object.keys(parameters).length) addLayer('application/vnd.ollama.image.params', JSON.stringify(parameters));
    if (messages.length) addLayer('application/vnd.ollama.image.messages', JSON.stringify(messages));
    emit({ status: 'writing manifest' });
    const display = displayShortest(name);
    this.models.set(display.toLowerCase(), {
      name: display,
      layers: [...layers, ...extra],
      details: { ...details, parent_model: base ? '' : details.parent_model },
      template,
      system,
      license,
      parameters,
      messages,
      capabilities: base?.capabilities ?? ['completion'],
      modelInfo: base?.modelInfo ?? { 'general.architecture': details.family },
      modifiedAt: new Date(),
      ...(typeof body.requires === 'string' && body.requires ? { requires: body.requires } : {}),
    });
    emit({ status: 'success' });
    if (out) out.end();
    else sendJson(res, 200, last);
  }

  private checkGguf(files: Record<string, string>, adapter: boolean): string | null {
    const entries = Object.entries(files);
    if (entries.length === 0) return 'no files provided to convert';
    if (adapter && entries.length > 1) return 'only one adapter is currently supported';
    for (const [fname, digest] of entries) {
      const content = this.blobs.get(digest);
      if (content === undefined) return 'unknown type';
      if (fname.endsWith('.safetensors')) return 'unknown type';
      if (!content || content.subarray(0, 4).toString('latin1') !== 'GGUF') return 'supplied file was not in GGUF format';
    }
    return null;
  }

  // ---- blobs ---------------------------------------------------------------------------

  private headBlob(digest: string, res: ServerResponse): void {
    if (!/^sha256[:-][0-9a-f]{64}$/.test(digest)) return sendJson(res, 400, { error: 'invalid digest format' });
    sendEmpty(res, this.blobs.has(digest.replace('-', ':')) ? 200 : 404);
  }

  private postBlob(digest: string, raw: Buffer, res: ServerResponse): void {
    if (!/^sha256[:-][0-9a-f]{64}$/.test(digest)) return sendJson(res, 400, { error: 'invalid digest format' });
    const d = digest.replace('-', ':');
    if (this.blobs.has(d)) return sendEmpty(res, 200);
    const actual = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
    if (actual !== d) return sendJson(res, 400, { error: `digest mismatch, expected ${JSON.stringify(d)}, got ${JSON.stringify(actual)}` });
    this.blobs.set(d, raw);
    sendEmpty(res, 201);
  }

  // ---- inference -----------------------------------------------------------------------

  private chatEnv() {
    return {
      findModel: (n: string) => this.findModel(n),
      fullName: (n: string) => {
        const p = parseName(n)!;
        return `${p.host}/${p.namespace}/${p.model}:${p.tag}`;
      },
      takeScript: (model: string) => {
        const i = this.scripts.findIndex((s) => !s.model || nameKey(s.model) === nameKey(model));
        return i === -1 ? undefined : this.scripts.splice(i, 1)[0];
      },
      markLoaded: (model: ModelRecord, keepAlive: number | 'forever' | undefined, numCtx: number) => {
        const key = model.name.toLowerCase();
        const wasLoaded = this.loaded.has(key);
        const ms = keepAlive ?? DEFAULT_KEEP_ALIVE_MS;
        this.loaded.set(key, { model, expiresAt: ms === 'forever' ? 'forever' : Date.now() + ms, numCtx });
        return { wasLoaded };
      },
      unload: (model: ModelRecord) => void this.loaded.delete(model.name.toLowerCase()),
      record: (r: InferenceRecord) => void this.inferences.push(r),
      tokenIntervalMs: () => this.tokenIntervalMs,
      socketOf: (res: ServerResponse) => res.socket,
    };
  }
}

export async function startOllamaFake(opts: FakeOptions = {}): Promise<OllamaFake> {
  return new OllamaFake(opts).start();
}

// ---- helpers -----------------------------------------------------------------------------

function safeJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return raw.toString('utf8');
  }
}

const sleep = (ms: number) => new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));

const expiry = (l: Loaded) => (l.expiresAt === 'forever' ? Number.MAX_SAFE_INTEGER : l.expiresAt);

/** KV cache bytes per token in fp16 from the GGUF metadata the model carries. */
function kvBytesPerToken(m: ModelRecord): number {
  const arch = String(m.modelInfo['general.architecture'] ?? '');
  const n = (k: string) => Number(m.modelInfo[`${arch}.${k}`] ?? 0);
  const heads = n('attention.head_count');
  const headDim = heads ? n('embedding_length') / heads : 0;
  return 2 * n('block_count') * n('attention.head_count_kv') * headDim * 2;
}

/** fs.ValidPath: relative, slash-separated, no `.` or `..` elements. */
function validRelativePath(p: string): boolean {
  if (p === '.') return true;
  if (!p || p.startsWith('/') || p.endsWith('/')) return false;
  return p.split('/').every((e) => e !== '' && e !== '.' && e !== '..');
}

function licensesOf(v: unknown): string[] {
  if (typeof v === 'string') return v ? [v] : [];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/** `fmt.Sprintf("%-*s %#v", 30, k, v)` per option, one line per stop sequence. */
function parametersText(params: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const k of Object.keys(params).sort()) {
    const v = params[k];
    for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k.padEnd(30)} ${typeof one === 'string' ? JSON.stringify(one) : String(one)}`);
  }
  return lines.join('\n');
}

/** parser.quote: quotes only values with newlines or edge spaces, triple when they hold a quote. */
function ollamaQuote(s: string): string {
  if (s.includes('\n') || s.startsWith(' ') || s.endsWith(' ')) return s.includes('"') ? `"""${s}"""` : `"${s}"`;
  return s;
}

/** Enough of text/template's parser to refuse what Ollama refuses with errBadTemplate. */
function templateProblem(t: string): string | null {
  let depth = 0;
  let i = 0;
  for (;;) {
    const open = t.indexOf('{{', i);
    if (open === -1) break;
    const close = t.indexOf('}}', open + 2);
    const line = t.slice(0, open).split('\n').length;
    if (close === -1) return `template: :${line}: unclosed action`;
    const action = t.slice(open + 2, close).replace(/^-/, '').replace(/-$/, '').trim();
    if (/^(if|range|with|block|define)\b/.test(action)) depth++;
    else if (action === 'end') {
      if (--depth < 0) return `template: :${line}: unexpected {{end}}`;
    }
    i = close + 2;
  }
  return depth > 0 ? 'template: :1: unexpected EOF' : null;
}
