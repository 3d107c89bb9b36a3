import catalogJson from '../../../resources/catalog/models.json';
import { CatalogSchema, type Catalog, type CatalogModel, type ModelForm } from '../../shared/contract/hardware';
import { DeckError } from '../../shared/errors';

/**
 * The model catalog is data (resources/catalog/models.json), bundled at build time and
 * validated here, so a bad edit fails loudly at start instead of producing odd estimates.
 */
export function parseCatalog(raw: unknown): Catalog {
  const parsed = CatalogSchema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new DeckError('internal', `The model catalog is invalid: ${where}`, 'Fix resources/catalog/models.json (see its schema in electron/shared/contract/hardware.ts).');
  }
  const seen = new Set<string>();
  for (const m of parsed.data.models) {
    for (const f of m.forms) {
      const ref = formRef(m, f);
      if (seen.has(ref)) throw new DeckError('internal', `The model catalog lists ${ref} twice.`, 'Give every form of a model its own id.');
      seen.add(ref);
    }
  }
  return parsed.data;
}

let bundled: Catalog | undefined;
export function bundledCatalog(): Catalog {
  bundled ??= parseCatalog(catalogJson);
  return bundled;
}

/** The reference a DeploymentConfig carries: `<model id>/<form id>`. */
export function formRef(model: CatalogModel, form: ModelForm): string {
  return `${model.id}/${form.id}`;
}

export interface ResolvedForm {
  model: CatalogModel;
  form: ModelForm;
  ref: string;
}

/** Finds a form by its `<model id>/<form id>` reference. */
export function resolveForm(catalog: Catalog, ref: string): ResolvedForm {
  const [modelId, formId] = ref.split('/');
  const model = catalog.models.find((m) => m.id === modelId);
  const form = model?.forms.find((f) => f.id === formId);
  if (!model || !form) {
    const known = catalog.models.flatMap((m) => m.forms.map((f) => formRef(m, f)));
    throw new DeckError('not_found', `No model form "${ref}" in the catalog.`, `Known forms: ${known.join(', ')}`);
  }
  return { model, form, ref: formRef(model, form) };
}

export function findModel(catalog: Catalog, id: string | undefined): CatalogModel {
  if (id === undefined) return catalog.models[0];
  const model = catalog.models.find((m) => m.id === id);
  if (!model) {
    throw new DeckError('not_found', `No model "${id}" in the catalog.`, `Known models: ${catalog.models.map((m) => m.id).join(', ')}`);
  }
  return model;
}
