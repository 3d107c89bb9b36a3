/**
 * Loads an ONNX Runtime GenAI model folder: config, tokenizer, graph (rewritten for KV reuse) and
 * an ORT session. Every failure is a DeckError('model_load_failed') naming the file and a fix.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ZodError } from 'zod';
import { DeckError } from '../shared/errors';
import { ChatTokenizer, readChatTemplateFiles } from './chat-tokenizer';
import { parseGenaiConfig, type ModelSpec } from './genai-config';
import { rewriteForKvReuse, type GraphPlan } from './graph-rewrite';
import { decodeModel } from './onnx-proto';

export interface LoadOptions {
  /**
   * ORT execution providers, in order of preference; default ['cpu']. When a GPU provider cannot be
   * created (e.g. onnxruntime-node installed without its CUDA libraries) the CPU is used instead.
   */
  executionProviders?: string[];
  /** Threads for one inference; default: genai_config's value, else ORT's (physical cores). */
  intraOpThreads?: number;
}

/** What the HTTP side needs: config and tokenizer (the graph runs in the model worker). */
export interface ModelFiles {
  dir: string;
  spec: ModelSpec;
  tokenizer: ChatTokenizer;
}

export interface ModelSession {
  plan: GraphPlan;
  session: ort.InferenceSession;
  /** The providers the session was created with (after any fallback to the CPU). */
  executionProviders: string[];
}

export type LoadedModel = ModelFiles & ModelSession;

const REDOWNLOAD = 'Download the model again, or regenerate the demo model with `npx tsx electron/engine/tiny-model/generate.ts`.';

function fail(message: string, hint = REDOWNLOAD, cause?: unknown): never {
  const detail = cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause);
  throw new DeckError('model_load_failed', message, hint, detail ? { cause: detail } : undefined);
}

function describe(e: unknown): string {
  if (e instanceof ZodError) return e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  return e instanceof Error ? e.message : String(e);
}

function readText(dir: string, name: string): string {
  const file = path.join(dir, name);
  if (!existsSync(file)) fail(`${name} is missing from the model folder ${dir}.`);
  return readFileSync(file, 'utf8');
}

function readJson(dir: string, name: string): Record<string, unknown> {
  const text = readText(dir, name);
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    return fail(`${name} in ${dir} is not valid JSON (${describe(e)}).`, REDOWNLOAD, e);
  }
}

/** External weight files must exist and be long enough, or ORT fails with an opaque message. */
function checkExternalData(dir: string, modelBytes: Uint8Array, modelFile: string): void {
  const graph = decodeModel(modelBytes).graph;
  const needed = new Map<string, number>();
  for (const t of graph?.initializer ?? []) {
    if (t.dataLocation !== 1) continue;
    const kv = Object.fromEntries((t.externalData ?? []).map((e) => [e.key, e.value]));
    const location = kv.location ?? '';
    const end = Number(kv.offset ?? 0) + Number(kv.length ?? 0);
    needed.set(location, Math.max(needed.get(location) ?? 0, end));
  }
  for (const [location, end] of needed) {
    const file = path.join(dir, location);
    if (!existsSync(file)) fail(`${location} (the weights of ${modelFile}) is missing from ${dir}.`);
    const size = statSync(file).size;
    if (size < end) fail(`${location} in ${dir} is truncated: ${size} bytes, the model needs at least ${end}.`);
  }
}

/** Config and tokenizer, checked; the folder path made absolute. */
export function readModelFiles(dir: string): ModelFiles {
  const abs = path.resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    fail(`Model folder ${abs} does not exist.`, 'Pick a folder that holds genai_config.json, model.onnx and the tokenizer files.');
  }
  let spec: ModelSpec;
  try {
    spec = parseGenaiConfig(readText(abs, 'genai_config.json'));
  } catch (e) {
    if (e instanceof DeckError) throw e;
    return fail(`genai_config.json in ${abs} is not a usable ONNX Runtime GenAI config: ${describe(e)}.`, REDOWNLOAD, e);
  }

  let tokenizer: ChatTokenizer;
  const tokenizerJson = readJson(abs, 'tokenizer.json');
  const tokenizerConfig = readJson(abs, 'tokenizer_config.json');
  try {
    tokenizer = new ChatTokenizer(tokenizerJson, tokenizerConfig, readChatTemplateFiles(abs));
  } catch (e) {
    return fail(`The tokenizer files in ${abs} could not be loaded: ${describe(e)}.`, REDOWNLOAD, e);
  }
  if (!tokenizer.hasChatTemplate) {
    fail(
      `The model in ${abs} has no chat template: neither chat_template.jinja nor a chat_template in tokenizer_config.json.`,
      'The engine serves chat only and needs the model\'s own template; use the instruct (chat) export of the model, or add its chat_template.jinja.',
    );
  }
  return { dir: abs, spec, tokenizer };
}

/** The graph, rewritten for KV reuse, in an ORT session (in the model worker, or in-process for tests and benches). */
export async function createModelSession(abs: string, spec: ModelSpec, opts: LoadOptions = {}): Promise<ModelSession> {
  const modelPath = path.join(abs, spec.modelFile);
  if (!existsSync(modelPath)) fail(`${spec.modelFile} is missing from the model folder ${abs}.`);
  const modelBytes = readFileSync(modelPath);
  let rewritten: ReturnType<typeof rewriteForKvReuse>;
  try {
    checkExternalData(abs, modelBytes, spec.modelFile);
    rewritten = rewriteForKvReuse(modelBytes, spec);
  } catch (e) {
    if (e instanceof DeckError) throw e;
    return fail(`${spec.modelFile} in ${abs} is corrupt or does not match genai_config.json: ${describe(e)}.`, REDOWNLOAD, e);
  }

  const threads = opts.intraOpThreads ?? spec.intraOpThreads;
  const create = (executionProviders: string[]) =>
    ort.InferenceSession.create(rewritten.bytes, {
      executionProviders,
      graphOptimizationLevel: 'all',
      ...(threads ? { intraOpNumThreads: threads } : {}),
      logSeverityLevel: 3,
      // The rewritten graph is loaded from memory, so tell ORT where its external weights live.
      extra: { session: { model_external_initializers_file_folder_path: abs } },
    });
  let providers = opts.executionProviders ?? ['cpu'];
  let session: ort.InferenceSession;
  try {
    session = await create(providers).catch((e: unknown) => {
      if (providers.length === 1 && providers[0] === 'cpu') throw e;
      providers = ['cpu'];
      return create(providers);
    });
  } catch (e) {
    return fail(`ONNX Runtime could not load ${spec.modelFile} from ${abs}: ${describe(e)}.`, REDOWNLOAD, e);
  }
  return { plan: rewritten.plan, session, executionProviders: providers };
}

/** Files and session in this thread. */
export async function loadModel(dir: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const files = readModelFiles(dir);
  return { ...files, ...(await createModelSession(files.dir, files.spec, opts)) };
}
