import { randomUUID } from 'node:crypto';
import type {
  BackendHealth,
  BackendPick,
  ChatBackend,
  ChatMessage,
  ChatParams,
  ChatProtocol,
  Conversation,
  ConversationSummary,
  ToolName,
} from '../../shared/contract/chat';
import { DeckError, isDeckError, type ErrorInfo } from '../../shared/errors';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import { chooseBackend, probeBackend } from './backend-choice';
import type { BackendRegistry } from './backend-registry';
import type { ConversationStore } from './conversation-store';
import { DeltaBatcher } from './delta-batcher';
import { describeStreamError } from './protocols/http';
import { OllamaClient } from './protocols/ollama-client';
import { OpenAiClient } from './protocols/openai-client';
import type { ChatClient, ModelInfo, WireMessage } from './protocols/types';
import { StatsMeter } from './stats-meter';
import { ThinkSplitter } from './think-splitter';
import { runTool, toolSpecs } from './tools/demo-tools';

const MAX_TOOL_ROUNDS = 5;
/** Abort reason when the app closes: the reply is kept as interrupted, not as stopped by the user. */
const SHUTDOWN = new DeckError('cancelled', 'SLM Deck is shutting down.');
const MODELS_TTL_MS = 10_000;

export interface ChatServiceOptions {
  bus: EventBus;
  log: Logger;
  store: ConversationStore;
  backends: BackendRegistry;
  clients?: Record<ChatProtocol, ChatClient>;
  /** UI frame length for chat.delta. */
  frameMs?: number;
  /** How often a streaming reply is written to disk. */
  persistMs?: number;
  now?: () => number;
}

interface Run {
  abort: AbortController;
  done: Promise<void>;
}

/**
 * The playground's core: conversations, the reply loop (stream, tool calls, tool results),
 * stop, stats and crash-safe persistence, over whichever protocol the backend speaks.
 */
export class ChatService {
  private runs = new Map<string, Run>();
  private modelCache = new Map<string, { at: number; models: Promise<ModelInfo[]> }>();
  private clients: Record<ChatProtocol, ChatClient>;
  private frameMs: number;
  private persistMs: number;
  private now: () => number;

  constructor(private readonly deps: ChatServiceOptions) {
    this.clients = deps.clients ?? { openai: new OpenAiClient(), ollama: new OllamaClient() };
    this.frameMs = deps.frameMs ?? 50;
    this.persistMs = deps.persistMs ?? 250;
    this.now = deps.now ?? (() => performance.now());
  }

  // ---- backends and models ----

  async models(backendId: string, signal?: AbortSignal): Promise<ModelInfo[]> {
    const backend = await this.deps.backends.resolve(backendId);
    return this.modelsOf(backend, signal);
  }

  /** Whether each backend answers now; probed directly (not from the models cache). */
  async health(list?: ChatBackend[]): Promise<BackendHealth[]> {
    const all = list ?? (await this.deps.backends.list());
    return Promise.all(all.map((b) => probeBackend(b, async (signal) => this.clients[b.kind].models(b.baseUrl, signal, await this.deps.backends.apiKey(b)))));
  }

  /** The backend a new chat starts on; `last` defaults to the backend of the latest conversation; `exclude` e.g. the one that just failed. */
  async pickBackend(last?: string, exclude: string[] = []): Promise<BackendPick> {
    const list = (await this.deps.backends.list()).filter((b) => !exclude.includes(b.id));
    const health = await this.health(list);
    const latest = last ?? (await this.deps.store.list()).filter((c) => !c.compareId).sort((a, b) => b.updatedAt - a.updatedAt)[0]?.backendId;
    return chooseBackend(list, health, latest);
  }

  private modelsOf(backend: ChatBackend, signal?: AbortSignal): Promise<ModelInfo[]> {
    const key = `${backend.kind} ${backend.baseUrl}`;
    const hit = this.modelCache.get(key);
    if (hit && Date.now() - hit.at < MODELS_TTL_MS) return hit.models;
    const timeout = AbortSignal.timeout(5_000);
    const models = this.deps.backends
      .apiKey(backend)
      .then((apiKey) => this.clients[backend.kind].models(backend.baseUrl, signal ? AbortSignal.any([signal, timeout]) : timeout, apiKey))
      .catch((e: unknown) => {
        this.modelCache.delete(key);
        if (timeout.aborted) {
          throw new DeckError('timeout', `${backend.label} did not list its models within 5 s.`, 'The server may be busy loading a model; try again.');
        }
        throw e;
      });
    this.modelCache.set(key, { at: Date.now(), models });
    return models;
  }

  private async modelFor(c: Conversation, backend: ChatBackend, signal: AbortSignal): Promise<string> {
    if (c.model) return c.model;
    if (backend.model) return backend.model;
    const models = await this.modelsOf(backend, signal);
    const pick = models.find((m) => /phi-?4/i.test(m.id)) ?? models[0];
    if (!pick) {
      throw new DeckError(
        'not_found',
        `${backend.label} has no models.`,
        backend.kind === 'ollama' ? 'Pull phi4-mini on the Models page first.' : 'Start the server with a model.',
      );
    }
    return pick.id;
  }

  /** vLLM's phi4_mini_json tool parser returns nothing while streaming, so tool turns go unstreamed there. */
  private async streamsToolCalls(backend: ChatBackend, signal: AbortSignal): Promise<boolean> {
    if (backend.streamToolCalls !== undefined) return backend.streamToolCalls;
    if (backend.kind === 'ollama') return true;
    const models = await this.modelsOf(backend, signal).catch(() => []);
    return !models.some((m) => m.detail === 'vllm');
  }

  // ---- conversations ----

  async create(input: {
    backendId: string;
    model?: string;
    system?: string;
    params?: ChatParams;
    tools?: ToolName[];
    title?: string;
    compareId?: string;
  }): Promise<Conversation> {
    const backend = await this.deps.backends.resolve(input.backendId);
    const now = Date.now();
    const c: Conversation = {
      version: 1,
      id: newId(),
      title: input.title?.trim() || 'New chat',
      createdAt: now,
      updatedAt: now,
      backendId: backend.id,
      backendLabel: backend.label,
      ...(input.model ? { model: input.model } : {}),
      system: input.system ?? '',
      params: input.params ?? {},
      tools: input.tools ?? [],
      ...(input.compareId ? { compareId: input.compareId } : {}),
      messages: [],
    };
    await this.deps.store.put(c);
    this.changed(c.id);
    return c;
  }

  get(id: string): Promise<Conversation> {
    return this.deps.store.get(id);
  }

  async update(input: {
    id: string;
    backendId?: string;
    model?: string;
    system?: string;
    params?: ChatParams;
    tools?: ToolName[];
    title?: string;
  }): Promise<Conversation> {
    const c = await this.deps.store.get(input.id);
    if (input.backendId !== undefined && input.backendId !== c.backendId) {
      const backend = await this.deps.backends.resolve(input.backendId);
      c.backendId = backend.id;
      c.backendLabel = backend.label;
      // A model name rarely means the same thing on another server.
      if (input.model === undefined) delete c.model;
    }
    if (input.model !== undefined) {
      if (input.model) c.model = input.model;
      else delete c.model;
    }
    if (input.title !== undefined) {
      const title = input.title.trim();
      if (!title) throw new DeckError('invalid_input', 'A conversation needs a title.', 'Type a name, or press Esc to keep the old one.');
      c.title = title;
    }
    if (input.system !== undefined) c.system = input.system;
    if (input.params !== undefined) c.params = input.params;
    if (input.tools !== undefined) c.tools = input.tools;
    c.updatedAt = Date.now();
    await this.deps.store.save(c.id);
    this.changed(c.id);
    return c;
  }

  async delete(id: string): Promise<boolean> {
    await this.stop(id);
    await this.runs.get(id)?.done;
    const deleted = await this.deps.store.delete(id);
    if (deleted) this.changed(id);
    return deleted;
  }

  async list(query?: string): Promise<ConversationSummary[]> {
    const all = await this.deps.store.list();
    const q = query?.trim().toLowerCase();
    if (!q) return all.map((c) => this.deps.store.summarise(c));
    const out: ConversationSummary[] = [];
    for (const c of all) {
      if (c.title.toLowerCase().includes(q)) {
        out.push(this.deps.store.summarise(c));
        continue;
      }
      for (const m of c.messages) {
        const at = m.content.toLowerCase().indexOf(q);
        if (at >= 0) {
          out.push(this.deps.store.summarise(c, excerpt(m.content, at, q.length)));
          break;
        }
      }
    }
    return out;
  }

  // ---- sending ----

  async send(conversationId: string, content: string): Promise<{ conversationId: string; userMessageId: string; assistantMessageId: string }> {
    const c = await this.deps.store.get(conversationId);
    const running = this.runs.get(c.id);
    // A reply whose end was announced is only being written to disk: the next turn waits for
    // that instead of refusing (the user saw the reply end and pressed Enter).
    if (running && c.messages.at(-1)?.status !== 'streaming') await running.done;
    if (this.runs.has(c.id)) {
      throw new DeckError('conflict', 'A reply is still streaming in this conversation.', 'Wait for it, or stop it (Esc) first.');
    }
    const backend = await this.deps.backends.resolve(c.backendId);
    const user = this.message('user', content, 'done');
    c.messages.push(user);
    if (c.title === 'New chat') c.title = titleFrom(content);
    const assistant = this.message('assistant', '', 'streaming');
    c.messages.push(assistant);
    c.updatedAt = Date.now();

    const abort = new AbortController();
    const run: Run = { abort, done: Promise.resolve() };
    this.runs.set(c.id, run);
    // The request goes out first. Announcing the turn follows on the next turn of the event
    // loop, before any byte of the reply can be read, so it does not add to the time to first
    // token. Events of the reply itself wait for the announcement.
    const announced = new Promise<void>((resolve) =>
      setImmediate(() => {
        this.deps.bus.emit('chat.message', { conversationId: c.id, message: user });
        this.deps.bus.emit('chat.message', { conversationId: c.id, message: assistant });
        resolve();
      }),
    );
    const replied = this.reply(c, backend, assistant, abort.signal, announced);
    // Written with the streaming reply's first periodic save (at most `persistMs` later): one
    // write fewer per turn, and a crash loses at most that fraction of a second.
    const saved = announced.then(() => {
      this.deps.store.saveSoon(c.id, this.persistMs);
      this.changed(c.id);
    });
    run.done = Promise.all([saved, replied])
      .then(() => undefined)
      .catch((e) => this.deps.log.error('reply failed', { id: c.id, error: e instanceof Error ? e.stack : String(e) }))
      .finally(() => this.runs.delete(c.id));
    return { conversationId: c.id, userMessageId: user.id, assistantMessageId: assistant.id };
  }

  async stop(conversationId: string): Promise<boolean> {
    const run = this.runs.get(conversationId);
    if (!run) return false;
    run.abort.abort(new DeckError('cancelled', 'Stopped by the user.'));
    await run.done;
    return true;
  }

  /** Resolves when the reply in this conversation (if any) has finished. */
  async settled(conversationId: string): Promise<void> {
    await this.runs.get(conversationId)?.done;
  }

  async compare(input: {
    prompt: string;
    targets: { backendId: string; model?: string }[];
    system?: string;
    params?: ChatParams;
    tools?: ToolName[];
  }): Promise<{ compareId: string; conversationIds: string[] }> {
    // Resolve all targets first so a typo does not leave half a comparison behind.
    for (const t of input.targets) await this.deps.backends.resolve(t.backendId);
    const compareId = newId();
    const convs: Conversation[] = [];
    for (const t of input.targets) {
      convs.push(
        await this.create({
          backendId: t.backendId,
          ...(t.model ? { model: t.model } : {}),
          system: input.system,
          params: input.params,
          tools: input.tools,
          title: `Compare: ${titleFrom(input.prompt)}`,
          compareId,
        }),
      );
    }
    await Promise.all(convs.map((c) => this.send(c.id, input.prompt)));
    return { compareId, conversationIds: convs.map((c) => c.id) };
  }

  /** Stops every reply and writes everything to disk (app shutdown). */
  async close(): Promise<void> {
    for (const run of this.runs.values()) run.abort.abort(SHUTDOWN);
    await Promise.all([...this.runs.values()].map((r) => r.done));
    await this.deps.store.flush();
  }

  // ---- the reply loop ----

  private async reply(c: Conversation, backend: ChatBackend, first: ChatMessage, signal: AbortSignal, announced: Promise<void>): Promise<void> {
    let msg = first;
    for (let round = 0; ; round++) {
      await this.streamOne(c, backend, msg, signal, announced);
      // A call cut off by max_tokens has unfinished arguments: shown, not run.
      if (msg.status !== 'done' || !msg.toolCalls?.length || msg.stats?.finishReason === 'length') break;
      for (const call of msg.toolCalls) {
        const result = runTool(call, c.tools);
        const tool: ChatMessage = {
          ...this.message('tool', result.content, result.ok ? 'done' : 'error'),
          toolCallId: call.id,
          toolName: call.name,
        };
        c.messages.push(tool);
        this.deps.bus.emit('chat.message', { conversationId: c.id, message: tool });
      }
      msg = this.message('assistant', '', 'streaming');
      c.messages.push(msg);
      this.deps.bus.emit('chat.message', { conversationId: c.id, message: msg });
      if (round + 1 >= MAX_TOOL_ROUNDS) {
        await this.finishWith(c, msg, 'error', {
          code: 'server_error',
          message: `The model kept calling tools (${MAX_TOOL_ROUNDS} rounds); stopped here.`,
          hint: 'Ask more directly, or turn tools off for this conversation.',
        });
        break;
      }
    }
    this.changed(c.id);
  }

  /** One request to the server: streams into `msg` and leaves it done, stopped or failed. */
  private async streamOne(c: Conversation, backend: ChatBackend, msg: ChatMessage, signal: AbortSignal, announced: Promise<void>): Promise<void> {
    const meter = new StatsMeter(this.now);
    const splitter = new ThinkSplitter();
    const batcher = new DeltaBatcher(
      (f) =>
        this.deps.bus.emit('chat.delta', {
          conversationId: c.id,
          messageId: msg.id,
          ...(f.content ? { content: f.content } : {}),
          ...(f.reasoning ? { reasoning: f.reasoning } : {}),
          contentAt: msg.content.length - f.content.length,
          reasoningAt: (msg.reasoning ?? '').length - f.reasoning.length,
          tokens: meter.chunks,
          ttftMs: meter.ttftMs(),
        }),
      this.frameMs,
      this.now,
      announced,
    );
    const append = (content: string, reasoning: string) => {
      // Models often open with newlines (after </think>); they are layout, not answer.
      if (!msg.content) content = content.replace(/^\s+/, '');
      if (!msg.reasoning) reasoning = reasoning.replace(/^\s+/, '');
      if (content) {
        msg.content += content;
        batcher.push('content', content);
      }
      if (reasoning) {
        msg.reasoning = (msg.reasoning ?? '') + reasoning;
        batcher.push('reasoning', reasoning);
      }
    };

    let model = c.model ?? backend.model ?? '?';
    let streamed = true;
    try {
      model = await this.modelFor(c, backend, signal);
      const tools = toolSpecs(c.tools);
      streamed = !tools.length || (await this.streamsToolCalls(backend, signal));
      const apiKey = await this.deps.backends.apiKey(backend);
      meter.start();
      const events = this.clients[backend.kind].chat(
        { baseUrl: backend.baseUrl, model, messages: this.wire(c, msg), params: c.params, ...(tools.length ? { tools } : {}), stream: streamed, ...(apiKey ? { apiKey } : {}) },
        signal,
      );
      for await (const ev of events) {
        if (ev.type === 'content') {
          meter.token();
          const s = splitter.push(ev.text);
          append(s.content, s.reasoning);
        } else if (ev.type === 'reasoning') {
          meter.token();
          append('', ev.text);
        } else if (ev.type === 'tool_delta') {
          meter.token();
        } else if (ev.type === 'tool_calls') {
          msg.toolCalls = [...(msg.toolCalls ?? []), ...ev.calls];
        } else if (ev.type === 'usage') {
          meter.usage(ev);
        } else {
          meter.finish(ev.reason);
        }
        this.deps.store.saveSoon(c.id, this.persistMs);
      }
      const rest = splitter.flush();
      append(rest.content, rest.reasoning);
      msg.status = 'done';
    } catch (e) {
      const rest = splitter.flush();
      append(rest.content, rest.reasoning);
      if (signal.aborted && signal.reason === SHUTDOWN) {
        msg.status = 'interrupted';
        msg.error = { code: 'cancelled', message: 'SLM Deck was closed while this reply was streaming; the text that had arrived is kept.' };
      } else if (signal.aborted) {
        msg.status = 'stopped';
      } else {
        msg.status = 'error';
        msg.error = this.describeFailure(e, backend, meter.chunks);
      }
    }
    await announced;
    batcher.flush();
    msg.stats = meter.stats({ backend, model, params: c.params, streamed });
    await this.settle(c, msg);
  }

  /** A finished message is on disk before anyone hears of it: a crash after the event loses nothing announced. */
  private async settle(c: Conversation, msg: ChatMessage): Promise<void> {
    c.updatedAt = Date.now();
    try {
      await this.deps.store.save(c.id);
    } catch (e) {
      msg.status = 'error';
      msg.error = { code: 'io_error', message: `The reply could not be saved: ${e instanceof Error ? e.message : String(e)}.`, hint: 'Check free disk space and the permissions of the SLM Deck folder.' };
    }
    this.deps.bus.emit('chat.message', { conversationId: c.id, message: msg });
  }

  private describeFailure(e: unknown, backend: ChatBackend, chunks: number): ErrorInfo {
    if (isDeckError(e)) return e.toInfo();
    // fetch's body reader fails with "terminated" when the server goes away mid-reply.
    const why = describeStreamError(e);
    return {
      code: chunks ? 'server_error' : 'server_unreachable',
      message: chunks
        ? `The connection to ${backend.label} broke after ${chunks} tokens (${why}).`
        : `${backend.label} closed the connection before answering (${why}).`,
      hint: 'What arrived is kept. The server may have crashed or been stopped: check it on the Deploy page and send again.',
    };
  }

  private finishWith(c: Conversation, msg: ChatMessage, status: ChatMessage['status'], error: ErrorInfo): Promise<void> {
    msg.status = status;
    msg.error = error;
    return this.settle(c, msg);
  }

  /** The history as the server should see it: system prompt, turns, tool calls paired with results. */
  private wire(c: Conversation, upTo: ChatMessage): WireMessage[] {
    const out: WireMessage[] = [];
    if (c.system.trim()) out.push({ role: 'system', content: c.system });
    const answered = new Set(c.messages.filter((m) => m.role === 'tool' && m.toolCallId).map((m) => m.toolCallId));
    for (const m of c.messages) {
      if (m === upTo) break;
      if (m.role === 'user') out.push({ role: 'user', content: m.content });
      else if (m.role === 'tool') out.push({ role: 'tool', content: m.content, toolCallId: m.toolCallId, toolName: m.toolName });
      else {
        const calls = (m.toolCalls ?? []).filter((t) => answered.has(t.id));
        if (!m.content && !calls.length) continue;
        out.push({ role: 'assistant', content: m.content, ...(calls.length ? { toolCalls: calls } : {}) });
      }
    }
    return out;
  }

  private message(role: ChatMessage['role'], content: string, status: ChatMessage['status']): ChatMessage {
    return { id: newId(), role, content, status, createdAt: Date.now() };
  }

  private changed(conversationId: string | null): void {
    this.deps.bus.emit('chat.changed', { conversationId });
  }
}

function newId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 16);
}

export function titleFrom(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 57).trimEnd()}…` : line || 'New chat';
}

function excerpt(text: string, at: number, len: number): string {
  const start = Math.max(0, at - 40);
  const end = Math.min(text.length, at + len + 40);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).replace(/\s+/g, ' ')}${end < text.length ? '…' : ''}`;
}
