import { z } from 'zod';
import type { OllamaNative } from '../../shared/contract/hardware';

const VersionSchema = z.object({ version: z.string().min(1) });

/** Asks an Ollama server for GET /api/version with a short timeout; never throws. */
export async function probeOllama(baseUrl: string, opts: { timeoutMs?: number; fetch?: typeof fetch } = {}): Promise<OllamaNative> {
  const url = baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  try {
    const res = await doFetch(`${url}/api/version`, { signal: AbortSignal.timeout(opts.timeoutMs ?? 1500) });
    if (!res.ok) {
      return { reachable: false, url, reason: `${url} answered HTTP ${res.status} to /api/version.`, hint: 'Something other than Ollama may be using this address; check the Ollama URL in Settings.' };
    }
    const body = VersionSchema.safeParse(await res.json().catch(() => null));
    if (!body.success) {
      return { reachable: false, url, reason: `${url} answered, but not like Ollama (no version in /api/version).`, hint: 'Another program may be using this port; check the Ollama URL in Settings.' };
    }
    return { reachable: true, url, version: body.data.version };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
    return {
      reachable: false,
      url,
      reason: timedOut ? `Ollama at ${url} did not answer in time.` : `No Ollama server at ${url}${err.cause?.code ? ` (${err.cause.code})` : ''}.`,
      hint: timedOut
        ? 'A server is there but busy or stuck; restart Ollama.'
        : 'Not needed: SLM Deck can run Ollama in Docker. If you installed Ollama natively, start it with `ollama serve`.',
    };
  }
}
