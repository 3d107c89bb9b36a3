import type { Catalog } from '../../shared/contract/hardware';
import { DeckError } from '../../shared/errors';
import { backendDefinition } from '../backends';
import type { ModelResolver } from './model-ref';

/**
 * Resolves `<model id>/<form id>` references through the model catalog: each backend's
 * definition says what its server is told (the Ollama tag, the Hugging Face repo, the ONNX
 * folder...). Unknown references fall back to the built-in rules (null).
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
    // The window is the model's, whatever the form: a longer context is refused before any container exists.
    return { ...backendDefinition(backend).servedFromCatalog(model, form, ref), maxContext: model.architecture.maxContext };
  };
}
