import { download } from '../../components/download';
import { useEffect, useRef, useState } from 'react';
import type { VariantDiff } from '../../../../electron/shared/contract/ollama';
import { VariantNameSchema } from '../../../../electron/shared/contract/ollama';
import { call, DeckClientError } from '../../api/client';
import { useAction, useCall } from '../../api/hooks';
import { useTasks } from '../../stores/tasks';
import { useVariantDrafts } from '../../stores/variant-draft';
import { ErrorBox } from '../../components/ErrorBox';
import { DiffView } from './DiffView';
import { ModelfileEditor } from './ModelfileEditor';
import { TaskProgress } from './TaskProgress';
import { tryInPlayground } from './try-in-playground';
import { useModelfile } from './use-modelfile';
import { VariantFormFields } from './VariantFormFields';

const STARTER = 'FROM phi4-mini\n';


/**
 * Edit a variant as a form or as raw Modelfile text (one text underneath, checked live),
 * save it as a new version, create or update it in Ollama, compare, export, try it.
 */
export function VariantEditor({ selected, onSelect }: { selected: string | null; onSelect: (name: string | null) => void }) {
  const templates = useCall('variants.templates', {});
  const installed = useCall('ollama.list', {});
  const detail = useCall('variants.get', { name: selected ?? 'x' }, { enabled: selected !== null });
  const save = useAction('variants.save', ['variants.list', 'variants.get']);
  const remove = useAction('variants.delete', ['variants.list']);
  const drafts = useVariantDrafts();
  const kept = drafts.drafts[selected ?? ''];
  const [name, setName] = useState(kept?.name ?? selected ?? '');
  const [text, setText] = useState(kept?.text ?? STARTER);
  const [loaded, setLoaded] = useState<string | null>(null);
  const [pullTask, setPullTask] = useState<{ model: string; taskId: string } | null>(null);
  const pull = useAction('ollama.pull', []);
  const [tab, setTab] = useState<'form' | 'raw'>('form');
  const [template, setTemplate] = useState('');
  const [task, setTask] = useState<string | null>(null);
  const [busyError, setBusyError] = useState<DeckClientError | null>(null);
  const [diff, setDiff] = useState<VariantDiff | null>(null);
  const [compare, setCompare] = useState<{ from: number; to: number } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const mf = useModelfile(text);
  const creating = useTasks((s) => (task ? s.tasks[task]?.state === 'running' : false));

  // A variant this editor just saved becomes the selection: keep its text, task and errors.
  const savedHere = useRef<string | null>(null);
  useEffect(() => {
    if (selected !== null && selected === savedHere.current) return;
    savedHere.current = null;
    setDiff(null);
    setTask(null);
    setBusyError(null);
    setConfirmDelete(false);
    if (selected === null) {
      const draft = useVariantDrafts.getState().drafts[''];
      setName(draft?.name ?? '');
      setText(draft?.text ?? STARTER);
      setLoaded(null);
    }
  }, [selected]);
  useEffect(() => {
    if (selected !== null && selected !== savedHere.current && detail.data?.name === selected) {
      setName(selected);
      // Unsaved edits made before the user left the page win over the saved text.
      setText(useVariantDrafts.getState().drafts[selected]?.text ?? detail.data.text);
      setLoaded(detail.data.text);
    }
  }, [selected, detail.data]);
  // Keep what is typed (not yet saved) for the next visit of the page.
  const { keep, drop } = drafts;
  useEffect(() => {
    const key = selected ?? '';
    const untouched = selected === null ? text === STARTER && name === '' : loaded === null || text === loaded;
    if (untouched) drop(key);
    else keep(key, { name, text });
  }, [selected, name, text, loaded, keep, drop]);

  const nameCheck = VariantNameSchema.safeParse(name);
  const nameError = name && !nameCheck.success ? nameCheck.error.issues[0]?.message : null;
  const inOllama = installed.data?.some((m) => m.name === `${name}:latest`) ?? false;
  // Nothing can be created while Ollama does not answer; the status card above says why.
  const ollamaDown = installed.isError;
  // The base model must be in Ollama for the variant to be created from it.
  const base = mf.form.from.trim();
  const baseTag = base && !base.includes(':') ? `${base}:latest` : base;
  const baseMissing = Boolean(base) && !/^[./~]|^[A-Za-z]:\\/.test(base) && installed.data !== undefined && !installed.data.some((m) => m.name === baseTag);
  const dirty = loaded === null || text !== loaded;
  const canSave = nameCheck.success && mf.errors === 0;

  const saveVersion = async () => {
    setBusyError(null);
    const r = await save.mutateAsync({ name, text });
    setLoaded(text);
    drop(selected ?? '');
    if (selected !== name) {
      savedHere.current = name;
      onSelect(name);
    }
    return r;
  };
  const createInOllama = async () => {
    try {
      const saved = await saveVersion();
      const { taskId } = await call('variants.create', { name, version: saved.version });
      setTask(taskId);
    } catch (e) {
      if (e instanceof DeckClientError) setBusyError(e);
      else throw e;
    }
  };
  const runDiff = async (what: 'base' | 'versions') => {
    setBusyError(null);
    try {
      if (what === 'base') setDiff(await call('variants.diffBase', { name }));
      else if (compare) setDiff(await call('variants.diffVersions', { name, ...compare }));
    } catch (e) {
      if (e instanceof DeckClientError) setBusyError(e);
      else throw e;
    }
  };
  const useTemplate = () => {
    const t = templates.data?.find((x) => x.id === template);
    if (!t) return;
    setText(t.text);
    if (!selected && !name) setName(t.id);
  };

  const versions = detail.data?.versions ?? [];
  const issues = mf.errors + mf.warnings;
  return (
    <div className="variant-editor card" aria-label="Variant editor">
      <div className="editor-head">
        <label className="field">
          <span>Variant name</span>
          <input
            value={name}
            readOnly={selected !== null}
            placeholder="e.g. phi4-mini-stepwise"
            aria-invalid={Boolean(nameError)}
            onChange={(e) => setName(e.target.value)}
          />
          {nameError ? <small className="field-error">{nameError}</small> : <small className="muted">Also the model's name in Ollama.</small>}
        </label>
        {selected === null && (
          <div className="inline-form">
            <label className="field">
              <span>Start from a template</span>
              <select value={template} onChange={(e) => setTemplate(e.target.value)}>
                <option value="">Choose…</option>
                {templates.data?.map((t) => (
                  <option key={t.id} value={t.id} title={t.description}>
                    {t.title} ({t.id})
                  </option>
                ))}
              </select>
            </label>
            <button type="button" disabled={!template} onClick={useTemplate}>
              Use template
            </button>
          </div>
        )}
        {selected !== null && detail.data && (
          <p className="muted">
            v{detail.data.latestVersion} saved {new Date(detail.data.versions.at(-1)!.savedAt).toLocaleString()}
            {detail.data.created ? ` · v${detail.data.created.version} is in Ollama` : ' · not created in Ollama yet'}
            {dirty ? ' · unsaved changes' : ''}
          </p>
        )}
      </div>

      <div className="tabs" role="tablist" aria-label="Edit as">
        <button type="button" role="tab" aria-selected={tab === 'form'} onClick={() => setTab('form')}>
          Form
        </button>
        <button type="button" role="tab" aria-selected={tab === 'raw'} onClick={() => setTab('raw')}>
          Modelfile
        </button>
        <span className={`pill ${mf.errors ? 'bad' : mf.warnings ? 'warn' : 'ok'}`} role="status" aria-label="Modelfile check">
          {issues === 0 ? 'No mistakes' : `${mf.errors} error${mf.errors === 1 ? '' : 's'}, ${mf.warnings} warning${mf.warnings === 1 ? '' : 's'}`}
        </span>
      </div>
      <div role="tabpanel">
        {tab === 'form' ? (
          <VariantFormFields mf={mf} onText={setText} installed={installed.data?.map((m) => m.name) ?? []} />
        ) : (
          <ModelfileEditor text={text} onChange={setText} diagnostics={mf.diagnostics} textareaRef={textarea} />
        )}
      </div>

      <div className="actions wrap">
        <button type="button" disabled={!canSave || !dirty || save.isPending} onClick={() => void saveVersion().catch((e) => e instanceof DeckClientError && setBusyError(e))}>
          Save version
        </button>
        <button
          type="button"
          className="primary"
          disabled={!canSave || save.isPending || creating || ollamaDown}
          title={ollamaDown ? 'Ollama is not answering: start it (see above), then create the variant.' : undefined}
          onClick={() => void createInOllama()}
        >
          {inOllama ? 'Update in Ollama' : 'Create in Ollama'}
        </button>
        <button type="button" disabled={!inOllama} title={inOllama ? undefined : 'Create it in Ollama first'} onClick={() => tryInPlayground(`${name}:latest`)}>
          Try in Playground
        </button>
        {selected !== null && (
          <>
            <button type="button" onClick={() => void call('variants.export', { name }).then((r) => download(r.fileName, 'application/json', r.bundle))}>
              Export
            </button>
            <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
              Delete variant
            </button>
          </>
        )}
      </div>
      {mf.errors > 0 && <p className="field-error">Fix the errors above to save: each names its line and column.</p>}
      {ollamaDown && <p className="muted">Ollama is not answering, so the variant can be saved but not created yet.</p>}
      {baseMissing && !pullTask && (
        <div className="warning-box" role="status">
          The base model <code>{base}</code> is not in Ollama yet: creating the variant needs it.{' '}
          <button type="button" className="small" disabled={pull.isPending} onClick={() => pull.mutate({ model: base }, { onSuccess: ({ taskId }) => setPullTask({ model: base, taskId }) })}>
            Pull {base}
          </button>
          <ErrorBox error={pull.error} title={`Could not pull ${base}`} />
        </div>
      )}
      {pullTask && <TaskProgress key={pullTask.taskId} taskId={pullTask.taskId} label={`Pull ${pullTask.model}`} resumable onRetry={() => pull.mutate({ model: pullTask.model }, { onSuccess: ({ taskId }) => setPullTask({ model: pullTask.model, taskId }) })} />}
      {confirmDelete && (
        <div className="confirm" role="alertdialog" aria-label={`Delete the variant ${name}?`}>
          <span>
            Delete the saved variant <code>{name}</code> and its {versions.length} version{versions.length === 1 ? '' : 's'}? The Ollama model stays installed.
          </span>
          <button type="button" className="danger" onClick={() => remove.mutate({ name }, { onSuccess: () => onSelect(null) })}>
            Delete {name}
          </button>
          <button type="button" onClick={() => setConfirmDelete(false)}>
            Keep it
          </button>
        </div>
      )}
      <ErrorBox error={busyError ?? save.error ?? remove.error} />
      {task && <TaskProgress key={task} taskId={task} label={`Create ${name}`} onRetry={() => void createInOllama()} />}

      {selected !== null && (
        <section className="compare" aria-label="Compare">
          <h3>Compare</h3>
          <div className="actions wrap">
            <button type="button" onClick={() => void runDiff('base')}>
              With the base model
            </button>
            {versions.length > 1 && (
              <>
                <label className="field inline">
                  <span>Version</span>
                  <select value={compare?.from ?? ''} onChange={(e) => setCompare({ from: Number(e.target.value), to: compare?.to ?? versions.at(-1)!.version })}>
                    <option value="">…</option>
                    {versions.map((v) => (
                      <option key={v.version} value={v.version}>
                        v{v.version}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field inline">
                  <span>with</span>
                  <select value={compare?.to ?? ''} onChange={(e) => setCompare({ from: compare?.from ?? versions[0].version, to: Number(e.target.value) })}>
                    <option value="">…</option>
                    {versions.map((v) => (
                      <option key={v.version} value={v.version}>
                        v{v.version}
                        {v.note ? ` (${v.note})` : ''}
                      </option>
                    ))}
                  </select>
                </label>
                <button type="button" disabled={!compare} onClick={() => void runDiff('versions')}>
                  Compare versions
                </button>
              </>
            )}
          </div>
          {diff && <DiffView diff={diff} />}
        </section>
      )}
    </div>
  );
}
