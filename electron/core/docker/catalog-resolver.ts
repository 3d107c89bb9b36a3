import type { Catalog } from '../../shared/contract/hardware';
import { DeckError } from '../../shared/errors';
import type { ModelResolver } from './model-ref';

/**
 * Resolves `<model id>/<form id>` references through the model catalog: the Ollama tag,
 * the Hugging Face repo (AWQ only when the form is an AWQ checkpoint), the ONNX folder,
 * and the model family's vLLM tool-call parser. Unknown references fall back to the
 * built-in rules (null).
 */
export function catalogModelResolver(catalog: () => Catalog | null): ModelResolver {
  return (backend, ref) => {
    const c = catalog();
    if (!c) return null;
    const [modelId, formId] = ref.split('/');
    const model = c.models.find((m) => m.id === modelId);
    const form = model?.forms.find((f) => f.id === formId);
    if (!model || !form) return null;
    if (!form.backends.includes(backend)) {
      throw new DeckError(
        'invalid_input',
        `${form.label} cannot run on ${backend}; it is made for ${form.backends.join(', ')}.`,
        'Pick a model form made for this backend.',
      );
    }
    if (form.unavailableReason) throw new DeckError('invalid_input', `${form.label} cannot be deployed: ${form.unavailableReason}`, 'Pick another model form.');
    const parser = model.vllmToolCallParser ? { toolCallParser: model.vllmToolCallParser } : {};
    const maxContext = model.architecture.maxContext;
    if (backend === 'ollama') return { served: form.ollamaTag ?? model.id, awqCheckpoint: false, maxContext };
    if (backend === 'vllm-gpu' || backend === 'vllm-cpu') {
      return { served: form.hfRepo ?? ref, awqCheckpoint: /^awq/i.test(form.precision), maxContext, trustRemoteCode: model.trustRemoteCode === true, ...parser };
    }
    return { served: (form.hfFolder ?? form.id).split('/').pop() ?? form.id, awqCheckpoint: false, maxContext };
  };
}
