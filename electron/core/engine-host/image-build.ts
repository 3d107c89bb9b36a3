import { Transform } from 'node:stream';
import type Docker from 'dockerode';
import { z } from 'zod';
import { DeckError } from '../../shared/errors';
import { toDeckError } from '../docker/errors';
import { imageExists } from '../docker/pull';
import { LineSplitter } from '../http/line-stream';
import type { Logger } from '../log/logger';
import type { TaskContext, TaskUpdate } from '../tasks/task-registry';
import { engineBuildContext, nodeArch } from './build-context';
import { tarSize, tarStream } from './tar-writer';

/** The Dockerfile's default base: Node 20 on Debian slim (glibc, as onnxruntime needs). */
export const DEFAULT_ENGINE_BASE = 'node:20-bookworm-slim';

/** One NDJSON line of POST /build (legacy builder): output, pull progress, the image id, or an error. */
export const BuildMessageSchema = z.object({
  stream: z.string().optional(),
  status: z.string().optional(),
  id: z.string().optional(),
  progress: z.string().optional(),
  aux: z.object({ ID: z.string().optional() }).loose().optional(),
  error: z.string().optional(),
  errorDetail: z.object({ message: z.string().optional() }).loose().nullish(),
});
export type BuildMessage = z.infer<typeof BuildMessageSchema>;

/** Folds build messages into task updates; remembers the output tail, the image id and any error. */
export class BuildProgress {
  imageId: string | null = null;
  error: string | null = null;
  readonly tail: string[] = [];

  apply(m: BuildMessage): TaskUpdate | null {
    if (m.error || m.errorDetail?.message) {
      this.error = (m.errorDetail?.message || m.error || 'unknown error').trim();
      return null;
    }
    if (m.aux?.ID) {
      this.imageId = m.aux.ID;
      return null;
    }
    if (m.stream) {
      const lines = m.stream.split('\n').map((l) => l.trimEnd()).filter(Boolean);
      for (const l of lines) {
        this.tail.push(l);
        if (this.tail.length > 20) this.tail.shift();
      }
      const step = lines.map((l) => /^Step (\d+)\/(\d+) : (.*)$/.exec(l)).find(Boolean);
      if (step) {
        const [n, total] = [Number(step[1]), Number(step[2])];
        return { step: `Step ${n}/${total}: ${step[3].slice(0, 120)}`, progress: (n - 1) / total, bytesDone: undefined, bytesTotal: undefined };
      }
      const id = lines.map((l) => /^Successfully built ([0-9a-f]+)/.exec(l)).find(Boolean);
      if (id && !this.imageId) this.imageId = id[1];
      return lines.length ? { detail: lines[lines.length - 1].slice(0, 300) } : null;
    }
    if (m.status) return { detail: `${m.id ? `${m.id}: ` : ''}${m.status}${m.progress ? ` ${m.progress}` : ''}`.slice(0, 300) };
    return null;
  }
}

export function buildFailure(image: string, base: string, message: string): DeckError {
  if (/pull access denied|manifest unknown|not found|repository does not exist|no such image/i.test(message)) {
    return new DeckError('not_found', `Building ${image} failed: the base image ${base} is not available (${message}).`, 'Pass a base image your Docker can pull (Node 20 or newer on glibc), or set a registry mirror in Settings.');
  }
  if (/no space left/i.test(message)) {
    return new DeckError('insufficient_resources', `Building ${image} failed: no disk space left (${message}).`, 'Free space with `docker system prune`, then build again.');
  }
  return new DeckError('docker_error', `Building ${image} failed: ${message}`, 'The build output in the log says more; check that the base image has Node 20 or newer on glibc.');
}

export interface BuildEngineImageOptions {
  docker: Docker;
  /** Daemon architecture (x86_64, aarch64) from docker.status. */
  arch?: string;
  image: string;
  baseImage: string;
  appRoot: string;
  dockerfile: string;
  appVersion: string;
  log: Logger;
}

/** Builds the onnx-engine image through the Docker API, streaming the context and the build output as task progress. */
export async function buildEngineImage(o: BuildEngineImageOptions, task: TaskContext): Promise<{ image: string; id: string; baseImage: string; contextBytes: number }> {
  task.update({ step: 'Assembling the build context' });
  const ctx = await engineBuildContext({ appRoot: o.appRoot, dockerfile: o.dockerfile, arch: nodeArch(o.arch) });
  const total = await tarSize(ctx.entries);
  o.log.info('engine image build', { image: o.image, base: o.baseImage, contextBytes: total, packages: ctx.packages });

  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      sent += chunk.length;
      task.update({ step: 'Sending the build context', bytesDone: sent, bytesTotal: total });
      cb(null, chunk);
    },
  });
  const context = tarStream(ctx.entries).pipe(counter);
  const progress = new BuildProgress();
  let out: NodeJS.ReadableStream;
  try {
    out = await o.docker.buildImage(context, {
      t: o.image,
      buildargs: { BASE_IMAGE: o.baseImage },
      rm: true,
      forcerm: true,
      labels: { 'dev.slmdeck.component': 'onnx-engine', 'dev.slmdeck.version': o.appVersion },
      abortSignal: task.signal,
    });
  } catch (e) {
    throw toDeckError(e, `build ${o.image}`, task.signal);
  }
  const lines = new LineSplitter();
  const line = (text: string) => {
    if (!text.trim()) return;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return;
    }
    const m = BuildMessageSchema.safeParse(raw);
    if (!m.success) return;
    const u = progress.apply(m.data);
    if (u) task.update(u);
  };
  try {
    for await (const chunk of out) for (const text of lines.push(chunk as Buffer | string)) line(text);
    for (const text of lines.end()) line(text);
  } catch (e) {
    throw toDeckError(e, `build ${o.image}`, task.signal);
  }
  if (progress.error) {
    o.log.warn('engine image build failed', { image: o.image, error: progress.error, tail: progress.tail.slice(-8) });
    throw buildFailure(o.image, o.baseImage, progress.error);
  }
  if (!(await imageExists(o.docker, o.image))) {
    throw new DeckError('docker_error', `The build of ${o.image} ended without an image.`, `Last output: ${progress.tail.slice(-3).join(' | ') || 'none'}`);
  }
  const info = await o.docker.getImage(o.image).inspect();
  o.log.info('engine image built', { image: o.image, id: info.Id });
  return { image: o.image, id: info.Id, baseImage: o.baseImage, contextBytes: total };
}
