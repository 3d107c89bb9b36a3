import { useEffect, useState, type FormEvent } from 'react';
import type { SecretStorage, Settings } from '../../../../electron/shared/contract/app';
import { useAction, useCall, useInvalidateOn } from '../../api/hooks';
import { ErrorBox } from '../../components/ErrorBox';

type Editable = Pick<Settings, 'theme' | 'dockerEndpoint' | 'registryMirror' | 'ollamaUrl' | 'bindHost'>;

/** How the token is protected, in the words a user needs (a Linux desktop without a keyring gets no real encryption). */
function secretStorageText(s: SecretStorage): string {
  if (s.kind === 'keychain') return `Stored encrypted with ${s.backend === 'gnome_libsecret' ? 'the GNOME keyring' : s.backend.startsWith('kwallet') ? 'KWallet' : `the ${s.backend}`}.`;
  if (s.kind === 'fixed-key') return 'No keyring (GNOME Keyring or KWallet) was found, so it is stored with a key built into the app (basic_text): anyone who can read your home folder can read it.';
  return 'Stored in a file only your user can read.';
}

export function SettingsPage() {
  const state = useCall('settings.get', {});
  useInvalidateOn('settings.changed', ['settings.get']);
  const save = useAction('settings.set', ['settings.get']);
  const saveToken = useAction('settings.setHfToken', ['settings.get']);
  const saveTheme = useAction('settings.set', ['settings.get']);
  const [form, setForm] = useState<Editable | null>(null);
  const [token, setToken] = useState('');
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (state.data && !form) {
      const { theme, dockerEndpoint, registryMirror, ollamaUrl, bindHost } = state.data.settings;
      setForm({ theme, dockerEndpoint, registryMirror, ollamaUrl, bindHost });
    }
  }, [state.data, form]);

  if (state.error) return <ErrorBox error={state.error} title="Could not load settings" />;
  if (!state.data || !form) return <p aria-busy>Loading settings…</p>;

  const fieldError = (key: string) =>
    (save.error?.info.details as Array<{ path: string[]; message: string }> | undefined)?.find((d) => d.path[0] === key)
      ?.message;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    save.mutate(form, { onSuccess: () => setSaved(true) });
  };
  const field = (key: keyof Editable, label: string, help: string, placeholder?: string) => (
    <label className="field">
      <span>{label}</span>
      <input
        name={key}
        value={form[key]}
        placeholder={placeholder}
        aria-invalid={Boolean(fieldError(key))}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
      />
      {fieldError(key) ? <small className="field-error">{fieldError(key)}</small> : <small className="muted">{help}</small>}
    </label>
  );

  return (
    <section className="page" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      {state.data.recovered && (
        <div className="warning-box" role="status">
          The settings file could not be read ({state.data.recovered.reason}). Defaults are in use; the old file was kept
          as <code>{state.data.recovered.backupPath}</code>.
        </div>
      )}
      <form className="card form" onSubmit={onSubmit} aria-label="General settings">
        <label className="field">
          <span>Theme</span>
          {/* The theme is seen at once and saved on its own: no need to press Save to try one. */}
          <select
            name="theme"
            value={form.theme}
            onChange={(e) => {
              const theme = e.target.value as Settings['theme'];
              setForm({ ...form, theme });
              document.documentElement.dataset.theme = theme;
              saveTheme.mutate({ theme });
            }}
          >
            <option value="system">Follow the system</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
          {saveTheme.error ? <small className="field-error">{saveTheme.error.message}</small> : <small className="muted">Takes effect and is stored as soon as you pick one.</small>}
        </label>
        {field('dockerEndpoint', 'Docker endpoint', '"auto" finds Docker Desktop, the system socket, rootless Docker or Podman.', 'auto')}
        {field('registryMirror', 'Registry mirror', 'Prefix for every image the app pulls, e.g. localhost:5000. Empty pulls from Docker Hub.', 'none')}
        {field('ollamaUrl', 'Ollama URL', 'An Ollama server: the managed container, a native install, or a remote one.')}
        {field('bindHost', 'Bind address for published ports', '127.0.0.1 keeps model servers private to this machine.')}
        <div className="actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save settings'}
          </button>
          {saved && !save.error && <span role="status" className="ok-text">Saved</span>}
        </div>
        {save.error && !save.error.info.details && <ErrorBox error={save.error} />}
      </form>
      <form
        className="card form"
        aria-label="Hugging Face token"
        onSubmit={(e) => {
          e.preventDefault();
          saveToken.mutate({ token }, { onSuccess: () => setToken('') });
        }}
      >
        <label className="field">
          <span>Hugging Face token {state.data.settings.hfTokenSet && <em className="pill ok">stored</em>}</span>
          <input
            type="password"
            autoComplete="off"
            value={token}
            placeholder={state.data.settings.hfTokenSet ? '•••••••• (stored, hidden)' : 'hf_…'}
            onChange={(e) => setToken(e.target.value)}
          />
          <small className="muted" data-testid="secret-storage">
            Only needed for gated models. {secretStorageText(state.data.secretStorage)} Never shown again and never logged.
          </small>
        </label>
        {state.data.secretStorage.problem && (
          <div className="warning-box" role="status" data-testid="secret-problem">
            {state.data.secretStorage.problem}
          </div>
        )}
        <div className="actions">
          <button type="submit" disabled={!token || saveToken.isPending}>Store token</button>
          {state.data.settings.hfTokenSet && (
            <button type="button" onClick={() => saveToken.mutate({ token: '' })}>
              Remove token
            </button>
          )}
        </div>
        <ErrorBox error={saveToken.error} />
      </form>
      <p className="muted small">
        Stored in <code>{state.data.path}</code>
      </p>
    </section>
  );
}
