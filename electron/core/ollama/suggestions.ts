import type { Suggestion } from '../../shared/contract/ollama';
import type { Catalog, HardwareProfile } from '../../shared/contract/hardware';
import { machineView } from '../hardware/estimate';
import { DEFAULT_CONTEXT, fitRow } from '../hardware/plan';

const NOTES: Record<string, string> = {
  q4_k_m: '4-bit: the smallest, and what plain `phi4-mini` pulls.',
  q8_0: '8-bit: close to full quality at about half the size of fp16.',
  fp16: 'Full precision: the largest; also the base for your own quantisations.',
};

/**
 * Suggested pulls are the catalog's Ollama forms (resources/catalog/models.json), with the
 * hardware planner's verdict for this machine at the default context when a profile is at hand.
 * The question here is "does it fit in memory?" for an Ollama that already answers (often a
 * native install), so Docker's own state does not decide the verdict.
 */
export function suggestionsFrom(catalog: Catalog, installed: ReadonlySet<string>, profile: HardwareProfile | null): Suggestion[] {
  const out: Suggestion[] = [];
  for (const model of catalog.models) {
    for (const form of model.forms) {
      if (!form.backends.includes('ollama') || !form.ollamaTag) continue;
      const s: Suggestion = {
        model: form.ollamaTag,
        title: form.label,
        quantization: form.precision,
        sizeBytes: form.weightsBytes,
        note: NOTES[form.precision.toLowerCase()] ?? '',
        recommended: form.precision.toLowerCase() === 'q4_k_m',
        installed: installed.has(form.ollamaTag.toLowerCase()),
      };
      if (profile) {
        const asNative = { ...profile, docker: { ...profile.docker, reachable: true, gpuPassthrough: true, memTotalBytes: undefined } };
        const row = fitRow(catalog, { backend: 'ollama', model, form, context: DEFAULT_CONTEXT, parallel: 1 }, machineView(asNative));
        s.fit = { verdict: row.verdict === 'unavailable' ? 'unknown' : row.verdict, reason: row.reason };
      }
      out.push(s);
    }
  }
  return out;
}
