import type Docker from 'dockerode';
import { z } from 'zod';
import { DeckError } from '../../shared/errors';
import type { TaskUpdate } from '../tasks/task-registry';
import { LineSplitter } from '../http/line-stream';
import { daemonMessage, httpStatus, toDeckError } from './errors';

/** One NDJSON line of POST /images/create. */
export const PullMessageSchema = z.object({
  status: z.string().optional(),
  id: z.string().optional(),
  progressDetail: z.object({ current: z.number().optional(), total: z.number().optional() }).partial().nullish(),
  error: z.string().optional(),
  errorDetail: z.object({ message: z.string().optional() }).nullish(),
});
export type PullMessage = z.infer<typeof PullMessageSchema>;

interface Layer {
  total: number | null;
  downloaded: number;
  downloadDone: boolean;
  extracted: boolean;
  existed: boolean;
}

/**
 * Folds the daemon's per-layer pull messages into one figure: bytes downloaded of the
 * bytes known so far (layers announce their size when their download starts), plus a step.
 */
export class PullProgress {
  private layers = new Map<string, Layer>();
  private lastStatus = '';

  apply(msg: PullMessage): void {
    if (msg.status) this.lastStatus = msg.status;
    const id = msg.id;
    const s = msg.status ?? '';
    if (!id || /^Pulling from /.test(s) || /^(Digest|Status):/.test(s)) return;
    let l = this.layers.get(id);
    if (!l) {
      l = { total: null, downloaded: 0, downloadDone: false, extracted: false, existed: false };
      this.layers.set(id, l);
    }
    const d = msg.progressDetail ?? {};
    switch (s) {
      case 'Downloading':
        if (d.total && d.total > 0) l.total = d.total;
        if (d.current !== undefined) l.downloaded = Math.max(l.downloaded, d.current);
        break;
      case 'Verifying Checksum':
      case 'Download complete':
        l.downloadDone = true;
        break;
      case 'Extracting':
        l.downloadDone = true;
        break;
      case 'Pull complete':
        l.downloadDone = true;
        l.extracted = true;
        break;
      case 'Already exists':
        l.existed = true;
        l.downloadDone = true;
        l.extracted = true;
        break;
    }
    if (l.downloadDone && l.total !== null) l.downloaded = l.total;
  }

  get bytesTotal(): number {
    let t = 0;
    for (const l of this.layers.values()) if (!l.existed && l.total !== null) t += l.total;
    return t;
  }

  get bytesDone(): number {
    let t = 0;
    for (const l of this.layers.values()) if (!l.existed && l.total !== null) t += Math.min(l.downloaded, l.total);
    return t;
  }

  /** For the task: byte counts (the registry derives percentage, speed and ETA) and a step. */
  snapshot(ref: string): TaskUpdate {
    const all = [...this.layers.values()];
    const fresh = all.filter((l) => !l.existed);
    const downloading = fresh.filter((l) => !l.downloadDone).length;
    const extracted = fresh.filter((l) => l.extracted).length;
    let step: string;
    if (!all.length) step = `Pulling ${ref}`;
    else if (!fresh.length) step = 'All layers already present';
    else if (downloading > 0) step = `Downloading ${fresh.length - downloading}/${fresh.length} layers`;
    else step = `Extracting ${extracted}/${fresh.length} layers`;
    const total = this.bytesTotal;
    return total > 0 ? { step, bytesDone: this.bytesDone, bytesTotal: total } : { step, detail: this.lastStatus };
  }
}

export interface PullOptions {
  signal: AbortSignal;
  onProgress?: (u: TaskUpdate) => void;
  /** The mirror the reference went through, for the error hint. */
  mirror?: string;
}

function pullFailure(ref: string, message: string, mirror?: string): DeckError {
  const via = mirror ? ` through the registry mirror ${mirror}` : '';
  if (/manifest unknown|not found|does not exist|repository name not known|pull access denied|no such image/i.test(message)) {
    return new DeckError(
      'not_found',
      `The image ${ref} was not found${via}: ${message}`,
      mirror
        ? `Check that ${mirror} holds this image (name and tag), or clear the registry mirror in Settings.`
        : 'Check the image name and tag; private images need `docker login` first.',
    );
  }
  if (/connection refused|no such host|i\/o timeout|TLS handshake|dial tcp|server gave HTTP response to HTTPS/i.test(message)) {
    return new DeckError(
      'registry_error',
      `Could not reach the registry for ${ref}: ${message}`,
      mirror
        ? `Is the mirror ${mirror} up? A plain-HTTP mirror must be listed in the daemon's insecure-registries (localhost is allowed by default).`
        : 'Check the network connection, or set a registry mirror in Settings.',
    );
  }
  if (/unknown blob|blob unknown/i.test(message)) {
    return new DeckError(
      'registry_error',
      `The registry is missing part of ${ref} (${message}).`,
      mirror ? `The copy on ${mirror} is incomplete: push the image to it again, or clear the registry mirror in Settings.` : 'The registry\'s copy is incomplete; try again later.',
    );
  }
  if (/no space left/i.test(message)) {
    return new DeckError('insufficient_resources', `No disk space left while pulling ${ref}.`, 'Free space with `docker system prune` or remove unused images, then try again.');
  }
  return new DeckError('registry_error', `Pulling ${ref} failed: ${message}`, 'The daemon reported this error; check the image name and the registry.');
}

/**
 * Pulls one image, reporting aggregated progress. Errors sent in-band (a 200 response
 * whose stream carries `{"error": ...}`) fail the pull like HTTP errors do. Aborting the
 * signal closes the request, which makes the daemon cancel the pull; Docker tags an image
 * only after every layer is in, so a cancelled pull leaves no tag behind.
 */
export async function pullImage(docker: Docker, ref: string, opts: PullOptions): Promise<{ ref: string; id: string; size: number }> {
  const progress = new PullProgress();
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.pull(ref, { abortSignal: opts.signal })) as NodeJS.ReadableStream;
  } catch (e) {
    const status = httpStatus(e);
    if (status !== null && !opts.signal.aborted) throw pullFailure(ref, daemonMessage(e), opts.mirror);
    throw toDeckError(e, `pull ${ref}`, opts.signal);
  }
  opts.onProgress?.(progress.snapshot(ref));
  await new Promise<void>((resolve, reject) => {
    const lines = new LineSplitter();
    let failed = false;
    const fail = (err: DeckError) => {
      if (failed) return;
      failed = true;
      (stream as unknown as { destroy?: () => void }).destroy?.();
      reject(err);
    };
    const onAbort = () => fail(toDeckError(opts.signal.reason ?? new Error('aborted'), `pull ${ref}`, opts.signal));
    if (opts.signal.aborted) return onAbort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    const line = (text: string) => {
      if (!text.trim()) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return; // a torn line cannot happen after splitting on \n; ignore noise
      }
      const msg = PullMessageSchema.safeParse(parsed);
      if (!msg.success) return;
      if (msg.data.error || msg.data.errorDetail?.message) {
        fail(pullFailure(ref, msg.data.errorDetail?.message || msg.data.error || 'unknown error', opts.mirror));
        return;
      }
      progress.apply(msg.data);
      opts.onProgress?.(progress.snapshot(ref));
    };
    stream.on('data', (chunk: Buffer | string) => {
      for (const text of lines.push(chunk)) line(text);
    });
    stream.on('end', () => {
      for (const text of lines.end()) line(text);
      opts.signal.removeEventListener('abort', onAbort);
      if (!failed) resolve();
    });
    stream.on('error', (e: Error) => {
      opts.signal.removeEventListener('abort', onAbort);
      fail(toDeckError(e, `pull ${ref}`, opts.signal));
    });
  });
  try {
    const info = await docker.getImage(ref).inspect();
    return { ref, id: info.Id, size: info.Size };
  } catch (e) {
    throw toDeckError(e, `inspect the pulled image ${ref}`);
  }
}

/** Is the image already in the daemon's store? */
export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (e) {
    if (httpStatus(e) === 404) return false;
    throw toDeckError(e, `inspect image ${ref}`);
  }
}
