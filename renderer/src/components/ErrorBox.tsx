
/** What ErrorBox shows: a call's error, or a task snapshot's (whose code is a plain string). */
type Shown = { code: string; message: string; hint?: string };

/** Every failure is shown the same way: what happened, and what to do about it. */
export function ErrorBox({ error, title }: { error: Shown | { info: Shown } | null | undefined; title?: string }) {
  if (!error) return null;
  const info = 'info' in error ? error.info : error;
  return (
    <div className="error-box" role="alert" data-code={info.code}>
      <strong>{title ?? 'Something went wrong'}</strong>
      <p>{info.message}</p>
      {info.hint && <p className="hint">{info.hint}</p>}
    </div>
  );
}
