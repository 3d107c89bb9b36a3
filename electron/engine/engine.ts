/**
 * The engine: a model running in its worker thread, one KV slot per concurrent generation (their
 * steps batched into shared forward passes), the request queue, metrics, and the chat layer
 * (template, tools, tool-call parsing) on top of the decode loop.
 */
import path from 'node:path';
import { DeckError } from '../shared/errors';
import { ChatOutput, type ChatEvent } from './chat-output';
import { TOOL_RESPONSE_TOKEN, type TemplateMessage } from './chat-tokenizer';
import { BatchScheduler } from './batch-scheduler';
import { generate, type GenerationResult, type Sequence } from './generation';
import type { GraphPlan } from './graph-rewrite';
import { EngineMetrics } from './metrics';
import { readModelFiles, type LoadOptions, type ModelFiles } from './model-loader';
import { ModelWorker } from './model-worker';
import { randomSeed } from './prng';
import { CancelledError, QueueFullError, RequestQueue } from './request-queue';
import type { SamplingParams, TokenLogprob } from './sampling';
import type { GrammarSpec } from './token-constraint';
import { TOOL_CALL_CLOSE, TOOL_CALL_OPEN, toolCallsAsText, toolsForSystemTurn, type ToolCall, type ToolDefinition } from './tool-calls';

export type { ChatEvent } from './chat-output';
export type { ToolCall, ToolDefinition } from './tool-calls';

export interface EngineOptions extends LoadOptions {
  modelDir: string;
  /** Name reported by /v1/models and /health; default: the folder name. */
  modelId?: string;
  /** Generations running at once, each with its own KV slot, decoded together; default 1. */
  concurrency?: number;
  /** Requests allowed to wait for a slot; more are refused (HTTP 503); default 16. */
  maxQueue?: number;
  /** Tokens a sequence may use (prompt + reply); capped at the model's own limit. Default: the model's. */
  contextLength?: number;
}

export interface GenerateOptions {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  repetitionPenalty?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  stop?: string[];
  signal?: AbortSignal;
  /** Generate past EOS up to maxTokens (vLLM's ignore_eos), for benchmarks. */
  ignoreEos?: boolean;
  /** Called once the request has a slot and prefill begins (e.g. to send HTTP headers). */
  onStart?: () => void;
  /** OpenAI logit_bias: token id -> bias. */
  logitBias?: Record<number, number>;
  /** Constrained decoding (structured output, forced tool calls). */
  grammar?: GrammarSpec;
  /** Log probabilities with this many alternatives per token; unset: none. */
  logprobs?: number;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  toolCalls?: Array<{ function: { name: string; arguments: string } }>;
}

export interface ChatRequest extends GenerateOptions {
  messages: ChatMessage[];
  tools?: ToolDefinition[];
}

export type ChatFinishReason = 'stop' | 'length' | 'tool_calls' | 'cancelled';

export interface ChatResult {
  content: string | null;
  toolCalls: ToolCall[];
  finishReason: ChatFinishReason;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number; cachedPromptTokens: number };
  timings: { queuedMs: number; timeToFirstTokenMs: number | null; totalMs: number; tokensPerSecond: number };
  /** The seed used (random when the request gave none), so a sampled answer can be replayed. */
  seed: number;
  /** Per generated token, when the request asked for logprobs. */
  logprobs?: TokenLogprob[];
}

export interface EngineStats {
  model: string;
  running: number;
  waiting: number;
  concurrency: number;
  maxQueue: number;
  /** Bytes held by the KV-cache buffers of all slots (kept between requests for reuse). */
  kvCacheBytes: number;
  /** A forward pass is running in the model worker right now. */
  forwardInFlight: boolean;
}

/** What the HTTP side knows of the model: its files and how the worker runs it. */
export interface EngineModel extends ModelFiles {
  plan: GraphPlan;
  executionProviders: string[];
}

/** One slot's cached KV: its positions live in the worker, the bookkeeping here. */
class SlotSequence implements Sequence {
  length = 0;
  longMode = false;
  /** Tokens whose KV the slot holds, for prompt-prefix reuse. */
  readonly history: number[] = [];

  constructor(
    private readonly slot: number,
    private readonly scheduler: BatchScheduler,
    private readonly threshold: number,
  ) {}

  truncate(length: number): void {
    this.length = Math.min(length, this.length);
    if (this.length === 0) this.longMode = false;
  }

  async forward(ids: readonly number[]): Promise<Float32Array> {
    const past = this.length;
    const logits = await this.scheduler.forward({ slot: this.slot, past, ids: [...ids] });
    this.length = past + ids.length;
    if (this.length > this.threshold) this.longMode = true;
    return logits;
  }
}

/** Phi-4-mini's model card system prompt for tool use, used when the request has no system turn. */
const DEFAULT_TOOL_SYSTEM = 'You are a helpful assistant with some tools.';

export class Engine {
  readonly metrics = new EngineMetrics();
  readonly queue: RequestQueue;
  private readonly sequences: SlotSequence[];
  private readonly scheduler: BatchScheduler;
  private readonly eosIds: ReadonlySet<number>;
  private readonly toolMarkerIds: ReadonlySet<number>;
  /** Positions a sequence may use: the configured context, at most the model's max_length. */
  readonly contextLength: number;

  private constructor(
    readonly model: EngineModel,
    private readonly worker: ModelWorker,
    readonly modelId: string,
    concurrency: number,
    maxQueue: number,
    contextLength: number,
  ) {
    this.contextLength = contextLength;
    this.queue = new RequestQueue(concurrency, maxQueue);
    const threshold = model.plan.longRopeThreshold ?? Infinity;
    this.scheduler = new BatchScheduler(worker, {
      longRopeThreshold: threshold,
      maxRows: model.plan.mode === 'gqa-buffer' ? Infinity : 1,
      onPass: (rows) => this.metrics.recordForwardPass(rows),
    });
    this.sequences = Array.from({ length: concurrency }, (_, slot) => new SlotSequence(slot, this.scheduler, threshold));
    this.eosIds = new Set(model.spec.eosTokenIds);
    const markers = [TOOL_CALL_OPEN, TOOL_CALL_CLOSE].map((t) => model.tokenizer.tokenId(t)).filter((id): id is number => id !== undefined);
    this.toolMarkerIds = new Set(markers);
  }

  /** Loads the model folder; throws DeckError('model_load_failed') with a hint on any problem. */
  static async load(opts: EngineOptions): Promise<Engine> {
    const files = readModelFiles(opts.modelDir);
    const concurrency = opts.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be an integer >= 1');
    const contextLength = Math.min(opts.contextLength ?? Infinity, files.spec.defaults.maxLength);
    const worker = await ModelWorker.start(files.dir, files.spec, { slots: concurrency, maxPositions: contextLength, load: opts });
    const model: EngineModel = { ...files, plan: worker.plan, executionProviders: worker.executionProviders };
    return new Engine(model, worker, opts.modelId ?? path.basename(files.dir), concurrency, opts.maxQueue ?? 16, contextLength);
  }

  get spec() {
    return this.model.spec;
  }

  get tokenizer() {
    return this.model.tokenizer;
  }

  stats(): EngineStats {
    return {
      model: this.modelId,
      running: this.queue.running,
      waiting: this.queue.waiting,
      concurrency: this.queue.concurrency,
      maxQueue: this.queue.maxWaiting,
      kvCacheBytes: this.worker.kvBytes,
      forwardInFlight: this.worker.inFlight > 0,
    };
  }

  /** Sampling settings: request values, else the model's genai_config search defaults. */
  resolveSampling(o: GenerateOptions): SamplingParams {
    const d = this.spec.defaults;
    return {
      temperature: o.temperature ?? (d.doSample ? d.temperature : 0),
      topP: o.topP ?? (d.doSample ? d.topP : 1),
      topK: o.topK ?? (d.doSample ? d.topK : 0),
      repetitionPenalty: o.repetitionPenalty ?? d.repetitionPenalty,
      presencePenalty: o.presencePenalty ?? 0,
      frequencyPenalty: o.frequencyPenalty ?? 0,
      logitBias: o.logitBias,
      seed: o.seed ?? randomSeed(),
    };
  }

  /** The prompt text the chat template makes of these messages and tools. */
  renderPrompt(messages: ChatMessage[], tools?: ToolDefinition[]): string {
    // Phi-4-mini's template writes `<|role|>`; its vocabulary reserves <|tool_response|> for tool
    // results, while <|tool|> opens tool definitions (docs/engine.md, Tool calling).
    const toolRole = this.tokenizer.tokenId(TOOL_RESPONSE_TOKEN) !== undefined ? 'tool_response' : 'tool';
    const rendered: TemplateMessage[] = messages.map((m) => {
      let content = m.content ?? '';
      if (m.role === 'assistant' && m.toolCalls?.length) content += toolCallsAsText(m.toolCalls);
      return { role: m.role === 'tool' ? toolRole : m.role, content };
    });
    if (tools && tools.length > 0) {
      const toolText = toolsForSystemTurn(tools);
      const sys = rendered.find((m) => m.role === 'system');
      if (sys) sys.tools = toolText;
      else rendered.unshift({ role: 'system', content: DEFAULT_TOOL_SYSTEM, tools: toolText });
    }
    return this.tokenizer.renderChat(rendered, true);
  }

  /** Raw generation from token ids (no chat template); `onText` gets text deltas. */
  async generate(promptIds: number[], opts: GenerateOptions, onText?: (delta: string, logprobs?: TokenLogprob[]) => void, visibleSpecial?: ReadonlySet<number>): Promise<GenerationResult & { seed: number; queuedMs: number }> {
    const limit = this.contextLength;
    if (promptIds.length >= limit) {
      throw new DeckError(
        'invalid_input',
        `The prompt has ${promptIds.length} tokens; the model's context holds ${limit}.`,
        'Shorten the conversation or start a new chat.',
      );
    }
    const sampling = this.resolveSampling(opts);
    const calledAt = performance.now();
    try {
      const result = await this.queue.run(
        async (slot) => {
          opts.onStart?.();
          const sequence = this.sequences[slot];
          return generate(
            {
              sequence,
              tokenizer: this.tokenizer,
              eosIds: this.eosIds,
              history: sequence.history,
              maxPositions: limit,
              incremental: this.model.plan.mode === 'gqa-buffer',
              longRopeThreshold: this.model.plan.longRopeThreshold,
              onToken: () => this.metrics.generatedTokens++,
            },
            promptIds,
            {
              sampling,
              maxTokens: opts.maxTokens ?? limit,
              stop: opts.stop ?? [],
              signal: opts.signal,
              visibleSpecial,
              ignoreEos: opts.ignoreEos,
              grammar: opts.grammar,
              logprobs: opts.logprobs,
            },
            onText,
          );
        },
        opts.signal,
        (free) => this.bestSlot(free, promptIds),
      );
      this.metrics.recordRequest(result.finishReason === 'cancelled' ? 'cancelled' : 'ok');
      this.metrics.recordGeneration({
        promptTokens: result.promptTokens,
        cachedPromptTokens: result.cachedPromptTokens,
        completionTokens: result.completionTokens,
        ttftSeconds: result.firstTokenAt !== undefined ? (result.firstTokenAt - calledAt) / 1000 : undefined,
        decodeSeconds: result.firstTokenAt !== undefined ? (result.finishedAt - result.firstTokenAt) / 1000 : 0,
      });
      return { ...result, seed: sampling.seed, queuedMs: result.startedAt - calledAt };
    } catch (e) {
      this.metrics.recordRequest(e instanceof QueueFullError ? 'rejected' : e instanceof CancelledError ? 'cancelled' : 'error');
      throw e;
    }
  }

  /** A chat completion; `onEvent` receives content deltas and, at the end, tool calls. */
  async chat(req: ChatRequest, onEvent?: (e: ChatEvent) => void): Promise<ChatResult> {
    const tools = req.tools ?? [];
    const promptIds = this.tokenizer.encode(this.renderPrompt(req.messages, tools));
    // A call the grammar forces to one function is that function's, even if cut off before its name.
    const g = req.grammar?.tools;
    const forced = g?.mode === 'required' && g.tools.length === 1 ? g.tools[0].name : undefined;
    const output = new ChatOutput(new Set(tools.map((t) => t.function.name)), (e) => onEvent?.(e), forced);
    const r = await this.generate(promptIds, req, (d, lp) => output.push(d, lp), tools.length > 0 ? this.toolMarkerIds : undefined);
    const { content, toolCalls, truncated } = output.finish(r.finishReason === 'length');
    const totalMs = r.finishedAt - r.startedAt + r.queuedMs;
    const decodeMs = r.firstTokenAt !== undefined ? r.finishedAt - r.firstTokenAt : 0;
    return {
      content,
      toolCalls,
      finishReason: r.finishReason === 'cancelled' ? 'cancelled' : toolCalls.length > 0 && !truncated ? 'tool_calls' : r.finishReason,
      usage: {
        promptTokens: r.promptTokens,
        completionTokens: r.completionTokens,
        totalTokens: r.promptTokens + r.completionTokens,
        cachedPromptTokens: r.cachedPromptTokens,
      },
      timings: {
        queuedMs: r.queuedMs,
        timeToFirstTokenMs: r.firstTokenAt !== undefined ? r.firstTokenAt - r.startedAt + r.queuedMs : null,
        totalMs,
        tokensPerSecond: r.completionTokens > 1 && decodeMs > 0 ? ((r.completionTokens - 1) * 1000) / decodeMs : 0,
      },
      seed: r.seed,
      logprobs: r.logprobs,
    };
  }

  /** The same chat as an async iterator of events, ending with `{ type: 'done', result }`. */
  async *chatStream(req: ChatRequest): AsyncGenerator<ChatEvent | { type: 'done'; result: ChatResult }> {
    const events: ChatEvent[] = [];
    let wake: (() => void) | undefined;
    let done: { result?: ChatResult; error?: unknown } | undefined;
    this.chat(req, (e) => {
      events.push(e);
      wake?.();
    }).then(
      (result) => {
        done = { result };
        wake?.();
      },
      (error: unknown) => {
        done = { error };
        wake?.();
      },
    );
    for (;;) {
      while (events.length > 0) yield events.shift()!;
      if (done) {
        if (done.error !== undefined) throw done.error;
        yield { type: 'done', result: done.result! };
        return;
      }
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  }

  /** Prefers the free slot whose cached tokens share the longest prefix with the prompt. */
  private bestSlot(free: readonly number[], promptIds: readonly number[]): number {
    let best = free[0];
    let bestLen = -1;
    for (const s of free) {
      const h = this.sequences[s].history;
      let n = 0;
      while (n < h.length && n < promptIds.length && h[n] === promptIds[n]) n++;
      if (n > bestLen) {
        best = s;
        bestLen = n;
      }
    }
    return best;
  }

  async dispose(): Promise<void> {
    await this.worker.close();
  }
}
