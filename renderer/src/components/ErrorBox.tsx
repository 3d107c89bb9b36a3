import type { ErrorInfo } from '../../../electron/shared/errors';

/** Every failure is shown the same way: what happened, and what to do about it. */
export function ErrorBox({ error, title }: { error: ErrorInfo | { info: ErrorInfo } | null | undefined; title?: string }) {
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
