import type { DockerConnection } from '../docker/connection';
import type { Logger } from '../log/logger';

export interface AutoStartDeps {
  docker: Pick<DockerConnection, 'status'>;
  ollamaUrl: () => string;
  start: () => Promise<unknown>;
  log: Logger;
}

async function ollamaAnswers(url: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/api/version', url), { signal: AbortSignal.timeout(1500) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * The app's default where nothing else is present: with no Docker and no Ollama, start the
 * embedded engine (last model used, else the demo model) so the Playground answers at once.
 */
export async function autoStartEmbedded(d: AutoStartDeps): Promise<'started' | 'skipped'> {
  const [docker, ollama] = await Promise.all([d.docker.status(), ollamaAnswers(d.ollamaUrl())]);
  if (docker.state === 'reachable' || ollama) {
    d.log.info('embedded engine not auto-started', { docker: docker.state, ollama });
    return 'skipped';
  }
  d.log.info('no Docker and no Ollama: starting the embedded engine');
  await d.start();
  return 'started';
}
