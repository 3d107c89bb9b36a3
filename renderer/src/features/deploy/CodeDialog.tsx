import { useEffect, useRef } from 'react';
import { CopyButton } from './CopyButton';

/** A text file in a modal (docker-compose.yml, create options), with Copy and Download. */
export function CodeDialog({ title, text, fileName, onClose }: { title: string; text: string; fileName: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const href = `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;
  return (
    <dialog ref={ref} className="code-dialog" aria-label={title} onClose={onClose}>
      <div className="row-head">
        <strong>{title}</strong>
        <CopyButton text={text} />
        <a className="button small" href={href} download={fileName}>
          Download
        </a>
        <button type="button" className="small" onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
      <pre className="code" data-testid="code-dialog-text">
        {text}
      </pre>
    </dialog>
  );
}
