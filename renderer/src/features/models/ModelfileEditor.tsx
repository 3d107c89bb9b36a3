import { useRef, type RefObject } from 'react';
import type { Diagnostic } from '../../../../electron/shared/modelfile';

/** "Line 3, column 11": where a diagnostic is, as a button that selects it in the text. */
export function DiagnosticList({ diagnostics, onJump, id }: { diagnostics: readonly Diagnostic[]; onJump?: (d: Diagnostic) => void; id?: string }) {
  if (!diagnostics.length) return null;
  return (
    <ul className="diagnostics" id={id} aria-label="Modelfile problems">
      {diagnostics.map((d, i) => (
        <li key={`${d.offset}-${d.code}-${i}`} data-severity={d.severity}>
          <span className={`pill ${d.severity === 'error' ? 'bad' : 'warn'}`}>{d.severity}</span>{' '}
          {onJump ? (
            <button type="button" className="link-button" onClick={() => onJump(d)}>
              Line {d.line}, column {d.column}
            </button>
          ) : (
            <span>
              Line {d.line}, column {d.column}
            </span>
          )}
          : {d.message}
          {d.hint && <span className="hint"> {d.hint}</span>}
        </li>
      ))}
    </ul>
  );
}

/** The raw Modelfile with line numbers, problem markers in the gutter, and the problems listed below. */
export function ModelfileEditor({
  text,
  onChange,
  diagnostics,
  textareaRef,
}: {
  text: string;
  onChange: (text: string) => void;
  diagnostics: readonly Diagnostic[];
  textareaRef: RefObject<HTMLTextAreaElement | null>;
}) {
  const gutter = useRef<HTMLDivElement>(null);
  const lines = text.split('\n').length;
  const marks = new Map<number, Diagnostic['severity']>();
  for (const d of diagnostics) if (marks.get(d.line) !== 'error') marks.set(d.line, d.severity);
  const jump = (d: Diagnostic) => {
    const ta = textareaRef.current;
    if (!ta) return;
    ta.focus();
    ta.setSelectionRange(d.offset, Math.min(text.length, d.offset + d.length));
  };
  return (
    <div className="modelfile-editor">
      <div className="editor-frame">
        <div className="gutter" ref={gutter} aria-hidden>
          {Array.from({ length: lines }, (_, i) => (
            <div key={i} className="gutter-line" data-mark={marks.get(i + 1)}>
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          ref={textareaRef}
          value={text}
          wrap="off"
          spellCheck={false}
          aria-label="Modelfile"
          aria-invalid={diagnostics.some((d) => d.severity === 'error')}
          aria-describedby="modelfile-problems"
          rows={Math.max(14, lines + 1)}
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
          }}
        />
      </div>
      <DiagnosticList diagnostics={diagnostics} onJump={jump} id="modelfile-problems" />
    </div>
  );
}
