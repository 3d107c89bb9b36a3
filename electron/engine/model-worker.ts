/**
 * The model in a worker thread: ONNX Runtime's `run()` is synchronous in onnxruntime-node (the
 * promise only defers it with setImmediate), so on the HTTP thread it would hold /health, /metrics
 * and new connections for every forward pass. The worker owns the session and the KV buffers; the
 * HTTP thread sends rows of token ids and gets each row's last logits back.
 *
 * The worker runs this same module: from source through tsx, from a bundle the bundle file itself
 * (its entry starts the server only on the main thread).
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { DeckError, type ErrorInfo } from '../shared/errors';
import { Decoder, type ForwardRow } from './decoder';
import type { ModelSpec } from './genai-config';
import type { GraphPlan } from './graph-rewrite';
import { createModelSession, type LoadOptions } from './model-loader';

const ROLE = 'slm-deck-model-worker';

interface WorkerInit {
  role: typeof ROLE;
  dir: string;
  spec: ModelSpec;
  slots: number;
  maxPositions: number;
  load: LoadOptions;
}

type ReadyMessage = { type: 'ready'; plan: GraphPlan; executionProviders: string[] } | { type: 'failed'; error: ErrorInfo };
type ForwardReply = { id: number; kvBytes: number; logits?: Float32Array[]; error?: ErrorInfo };

const toInfo = (e: unknown): ErrorInfo => (e instanceof DeckError ? e.toInfo() : { code: 'internal', message: e instanceof Error ? e.message : String(e) });
const fromInfo = (i: ErrorInfo): DeckError => new DeckError(i.code, i.message, i.hint, i.details);

function serve(init: WorkerInit): void {
  const port = parentPort!;
  const start = async () => {
    const model = await createModelSession(init.dir, init.spec, init.load);
    try {
      return { model, decoder: new Decoder({ spec: init.spec, ...model }, init.slots, init.maxPositions) };
    } catch (e) {
      const positions = init.slots * init.maxPositions;
      throw new DeckError(
        'insufficient_resources',
        `The KV cache for ${init.slots} sequence(s) of ${init.maxPositions} tokens could not be reserved (${e instanceof Error ? e.message : String(e)}).`,
        `Lower --context or --concurrency (${positions} positions were asked for).`,
      );
    }
  };
  start().then(
    ({ model, decoder }) => {
      // One forward at a time, in arrival order (the HTTP side sends the next after the reply).
      let chain = Promise.resolve();
      port.on('message', (m: { id: number; rows: ForwardRow[] }) => {
        chain = chain.then(async () => {
          let reply: ForwardReply;
          try {
            reply = { id: m.id, kvBytes: 0, logits: await decoder.forward(m.rows) };
          } catch (e) {
            reply = { id: m.id, kvBytes: 0, error: toInfo(e) };
          }
          reply.kvBytes = decoder.kv.bytes;
          port.postMessage(reply);
        });
      });
      port.postMessage({ type: 'ready', plan: model.plan, executionProviders: model.executionProviders } satisfies ReadyMessage);
    },
    (e: unknown) => port.postMessage({ type: 'failed', error: toInfo(e) } satisfies ReadyMessage),
  );
}

if (!isMainThread && (workerData as Partial<WorkerInit> | null)?.role === ROLE) serve(workerData as WorkerInit);

/** This module's file: the source under tsx or vitest, else the bundle it was built into. */
function selfPath(): string {
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

function spawnWorker(init: WorkerInit): Worker {
  const self = selfPath();
  if (!self.endsWith('.ts')) return new Worker(self, { workerData: init });
  // tsx's --import hook does not reach worker threads: register it inside the worker, then load the source.
  const tsxApi = createRequire(self).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
  const code = `import(${JSON.stringify(pathToFileURL(tsxApi).href)}).then((t) => { t.register(); return import(${JSON.stringify(pathToFileURL(self).href)}); });`;
  return new Worker(code, { eval: true, workerData: init });
}

export interface ModelWorkerOptions {
  slots: number;
  /** Positions a sequence may hold (the KV buffers are sized for it). */
  maxPositions: number;
  load?: LoadOptions;
}

/** The HTTP side's handle on the model worker. */
export class ModelWorker {
  /** Bytes the KV buffers hold in memory, as of the last forward pass. */
  kvBytes = 0;
  /** Forward passes sent and not answered yet. */
  inFlight = 0;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (l: Float32Array[]) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly worker: Worker,
    readonly plan: GraphPlan,
    readonly executionProviders: string[],
  ) {
    worker.on('message', (m: ForwardReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.inFlight--;
      this.kvBytes = m.kvBytes;
      if (m.error) p.reject(fromInfo(m.error));
      else p.resolve(m.logits!);
    });
    const failAll = (e: Error) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      this.inFlight = 0;
    };
    worker.on('error', (e) => failAll(new DeckError('internal', `The model worker failed: ${e.message}`)));
    worker.on('exit', (code) => failAll(new DeckError('internal', `The model worker exited (code ${code}).`)));
  }

  /** Starts the worker and loads the graph; rejects with the loader's DeckError. */
  static start(dir: string, spec: ModelSpec, o: ModelWorkerOptions): Promise<ModelWorker> {
    const worker = spawnWorker({ role: ROLE, dir, spec, slots: o.slots, maxPositions: o.maxPositions, load: o.load ?? {} });
    return new Promise((resolve, reject) => {
      const onExit = (code: number) => reject(new DeckError('model_load_failed', `The model worker exited (code ${code}) while loading ${dir}.`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (m: ReadyMessage) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (m.type === 'ready') {
          resolve(new ModelWorker(worker, m.plan, m.executionProviders));
        } else {
          void worker.terminate();
          reject(fromInfo(m.error));
        }
      });
    });
  }

  /** One forward pass over these rows (see Decoder.forward); resolves with each row's logits. */
  forward(rows: ForwardRow[]): Promise<Float32Array[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.inFlight++;
      this.worker.postMessage({ id, rows });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
