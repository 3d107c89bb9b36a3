import type { BackendHealth, BackendPick, ChatBackend } from '../../shared/contract/chat';
import { isDeckError } from '../../shared/errors';
import { sameModelName } from '../ollama/model-name';
import type { ModelInfo } from './protocols/types';

/**
 * A backend answers when it lists its models within the timeout, and lists the model it
 * names (a deployment's); one with no model at all cannot answer a chat either.
 */
export async function probeBackend(b: ChatBackend, listModels: (signal: AbortSignal) => Promise<ModelInfo[]>, timeoutMs = 2000): Promise<BackendHealth> {
  try {
    const models = await listModels(AbortSignal.timeout(timeoutMs));
    if (!models.length) return { id: b.id, answering: false, problem: 'It answers but has no model.' };
    if (b.model && !models.some((m) => sameModelName(m.id, b.model!))) {
      return { id: b.id, answering: false, problem: `It answers but does not list ${b.model}.` };
    }
    return { id: b.id, answering: true };
  } catch (e) {
    const why = isDeckError(e) || e instanceof Error ? e.message : String(e);
    return { id: b.id, answering: false, problem: why.length > 200 ? `${why.slice(0, 200)}…` : why };
  }
}

/**
 * The backend a new chat starts on: the last one used if it still answers, else a ready
 * deployment, else the embedded engine, else any other backend that answers, else whatever
 * is configured (the last one used, then the first listed), so the page can say why it fails.
 */
export function chooseBackend(list: ChatBackend[], health: BackendHealth[], last?: string): BackendPick {
  const answers = new Set(health.filter((h) => h.answering).map((h) => h.id));
  const ok = (b: ChatBackend | undefined): b is ChatBackend => !!b && answers.has(b.id);
  const lastOne = last ? list.find((b) => b.id === last) : undefined;
  if (ok(lastOne)) return { backendId: lastOne.id, answering: true, reason: 'the last backend used, and it answers' };
  const deployment = list.find((b) => b.source === 'docker' && answers.has(b.id));
  if (deployment) return { backendId: deployment.id, answering: true, reason: 'a ready deployment' };
  const embedded = list.find((b) => b.source === 'embedded' && answers.has(b.id));
  if (embedded) return { backendId: embedded.id, answering: true, reason: 'the embedded engine' };
  const other = list.find((b) => answers.has(b.id));
  if (other) return { backendId: other.id, answering: true, reason: 'the first backend that answers' };
  const fallback = lastOne ?? list[0];
  return fallback
    ? { backendId: fallback.id, answering: false, reason: 'no backend answers; this is the one configured' }
    : { backendId: null, answering: false, reason: 'no backend is configured' };
}
