import { z } from 'zod';
import type { DeployStageSchema, Endpoint, Readiness } from '../../shared/contract/docker';
import { DeckError, isDeckError } from '../../shared/errors';
import { OllamaClient } from '../ollama/client';
import { sameModelName } from '../ollama/model-name';
import { followProgress } from '../ollama/pull';
import { sleep } from './health';
import type { TaskUpdate } from '../tasks/task-registry';

/**
 * The deploy's last stages: a deployment is ready only when its server lists the model and
 * a one-token chat completes. Ollama pulls the model into the deployment first (its own
 * `/api/pull`, so the bytes land in the deployment's volume, resumable and cancellable).
 */

export type StageMark = (stage: z.infer<typeof DeployStageSchema>) => void;

export interface ReadyOptions {
  signal: AbortSignal;
  /** Called as each stage ends (model, load, first-token). */
  mark: StageMark;
  update(patch: TaskUpdate): void;
  /** How long the server may take to list the model after it answers its healthcheck. */
  timeoutSec: number;
  pollMs?: number;
  /** Sent as `Authorization: Bearer` when the server requires a key (an engine published beyond loopback). */
  apiKey?: string | null;
}

/** Step texts the Deploy page turns into its stage list (see renderer form-model PHASES). */
export const READY_STEPS = {
  model: (m: string) => `Downloading ${m}`,
  load: (m: string) => `Loading ${m}`,
  firstToken: 'Waiting for the first token',
} as const;

const ModelsSchema = z.object({ data: z.array(z.object({ id: z.string() })) });
const CompletionSchema = z.object({ choices: z.array(z.object({ finish_reason: z.string().nullable().optional() })).min(1) });
const OllamaChatSchema = z.object({ done: z.literal(true), message: z.object({ content: z.string() }).optional() });

async function getJson<S extends z.ZodType>(url: string, schema: S, init: RequestInit, what: string, signal: AbortSignal, timeoutMs = 30_000): Promise<z.output<S>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
  } catch (e) {
    if (signal.aborted) throw signal.reason;
    throw new DeckError('server_error', `${what}: ${url} did not answer (${e instanceof Error ? e.message : String(e)}).`, 'The container runs but its server does not answer on the published port: read its logs.');
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new DeckError('server_error', `${what}: ${url} answered ${res.status}: ${text.slice(0, 300)}`, 'Read the deployment logs for the reason.');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new DeckError('server_error', `${what}: ${url} sent an answer SLM Deck does not understand: ${text.slice(0, 200)}`, 'Check that the image serves the API its backend should.');
  return parsed.data;
}

const bearer = (key: string | null | undefined): Record<string, string> => (key ? { Authorization: `Bearer ${key}` } : {});

const post = (json: unknown, key?: string | null): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json', ...bearer(key) }, body: JSON.stringify(json) });

/** OpenAI-compatible servers (vLLM, the ONNX engine): the model is listed, then one token. */
async function openAiReady(ep: Endpoint, o: ReadyOptions): Promise<Readiness> {
  o.update({ step: READY_STEPS.load(ep.model), progress: null, detail: undefined });
  const deadline = Date.now() + o.timeoutSec * 1000;
  let listed: string[] = [];
  for (;;) {
    listed = (await getJson(`${ep.url}/v1/models`, ModelsSchema, { headers: bearer(o.apiKey) }, 'Listing models', o.signal).catch((e: unknown) => {
      if (o.signal.aborted || Date.now() >= deadline) throw e;
      return { data: [] };
    })).data.map((m) => m.id);
    if (listed.includes(ep.model)) break;
    if (Date.now() >= deadline) {
      throw new DeckError(
        'server_error',
        `The server answers but does not serve ${ep.model} (it lists ${listed.join(', ') || 'no model'}).`,
        'Check the model name of the deployment (vLLM serves --served-model-name, else --model).',
      );
    }
    await sleep(o.pollMs ?? 1000, o.signal);
  }
  o.mark('load');
  o.update({ step: READY_STEPS.firstToken, detail: undefined });
  const t0 = Date.now();
  await getJson(
    `${ep.url}/v1/chat/completions`,
    CompletionSchema,
    post({ model: ep.model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1, stream: false }, o.apiKey),
    'A one-token chat',
    o.signal,
    o.timeoutSec * 1000,
  );
  o.mark('first-token');
  return { stages: [], modelListed: true, pulled: false, resumedFromBytes: 0, firstTokenMs: Date.now() - t0 };
}

/** Ollama: pull into the deployment when missing, load, one token. */
async function ollamaReady(ep: Endpoint, o: ReadyOptions): Promise<Readiness> {
  const client = new OllamaClient(ep.url);
  const has = async () => (await client.tags(o.signal)).models.some((m) => sameModelName(m.name, ep.model));
  let pulled = false;
  let resumedFromBytes = 0;
  if (!(await has())) {
    o.update({ step: READY_STEPS.model(ep.model), progress: 0, detail: undefined });
    const outcome = await followProgress(client.pull(ep.model, o.signal), { update: (u) => o.update({ ...u, step: `${READY_STEPS.model(ep.model)}: ${u.step ?? ''}` }) });
    pulled = true;
    resumedFromBytes = outcome.resumedFromBytes;
    if (!(await has())) throw new DeckError('server_error', `Ollama reported success but does not list ${ep.model}.`, 'Pull it again from the Models page; see the deployment logs.');
  }
  o.mark('model');
  o.update({ step: READY_STEPS.load(ep.model), progress: null, bytesDone: undefined, bytesTotal: undefined, detail: undefined });
  // An empty generate request loads the model (docs/api.md "Load a model").
  await getJson(`${ep.url}/api/generate`, z.object({ done: z.boolean() }), post({ model: ep.model, stream: false }), `Loading ${ep.model}`, o.signal, o.timeoutSec * 1000);
  o.mark('load');
  o.update({ step: READY_STEPS.firstToken });
  const t0 = Date.now();
  await getJson(
    `${ep.url}/api/chat`,
    OllamaChatSchema,
    post({ model: ep.model, messages: [{ role: 'user', content: 'Hi' }], stream: false, options: { num_predict: 1 } }),
    'A one-token chat',
    o.signal,
    o.timeoutSec * 1000,
  );
  o.mark('first-token');
  return { stages: [], modelListed: true, pulled, resumedFromBytes, firstTokenMs: Date.now() - t0 };
}

/** Stages filled in by the caller, which also timed the ones before (checks, image, start). */
export async function waitAnswering(ep: Endpoint, o: ReadyOptions): Promise<Readiness> {
  try {
    return ep.api === 'ollama' ? await ollamaReady(ep, o) : await openAiReady(ep, o);
  } catch (e) {
    if (o.signal.aborted) throw new DeckError('cancelled', 'Cancelled by the user.');
    if (isDeckError(e)) throw e;
    throw new DeckError('server_error', `The deployment does not answer yet: ${e instanceof Error ? e.message : String(e)}`);
  }
}
