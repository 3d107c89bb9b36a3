import { useMemo } from 'react';
import {
  analyzeModelfile,
  applyForm,
  parseModelfile,
  readForm,
  renderModelfile,
  UnrepresentableValueError,
  type Diagnostic,
  type VariantForm,
} from '../../../../electron/shared/modelfile';

export interface ModelfileState {
  diagnostics: Diagnostic[];
  errors: number;
  warnings: number;
  form: VariantForm;
  /** The form edits lines it owns; with syntax errors it cannot know which those are. */
  formLocked: boolean;
  /** Text after a form edit, or an explanation when the edit cannot be written. */
  withForm(next: VariantForm): { text: string } | { error: string };
}

/**
 * One Modelfile text, seen two ways: the raw text (the source of truth) and the form over
 * it, analysed live with the same parser the core uses.
 */
export function useModelfile(text: string): ModelfileState {
  return useMemo(() => {
    const a = analyzeModelfile(text);
    const syntax = parseModelfile(text).diagnostics.some((d) => d.severity === 'error');
    return {
      diagnostics: a.diagnostics,
      errors: a.errorCount,
      warnings: a.warningCount,
      form: readForm(a.nodes),
      formLocked: syntax,
      withForm: (next) => {
        try {
          return { text: renderModelfile(applyForm(a.nodes, next)) };
        } catch (e) {
          if (e instanceof UnrepresentableValueError) return { error: e.message };
          throw e;
        }
      },
    };
  }, [text]);
}

/** The diagnostics a form field shows: by parameter, or by field. */
export function fieldDiagnostics(diags: readonly Diagnostic[], key: { param?: string; field?: Diagnostic['field'] }): Diagnostic[] {
  return diags.filter((d) => (key.param !== undefined && d.param === key.param) || (key.field !== undefined && d.field === key.field));
}
