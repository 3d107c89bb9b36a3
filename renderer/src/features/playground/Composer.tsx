import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

/** Enter sends, Shift+Enter starts a new line, Esc stops a streaming reply. */
export function Composer({
  streaming,
  disabled,
  onSend,
  onStop,
  placeholder,
}: {
  streaming: boolean;
  disabled?: boolean;
  onSend: (text: string) => Promise<boolean> | boolean;
  onStop: () => void;
  placeholder?: string;
}) {
  const [text, setText] = useState('');
  const box = useRef<HTMLTextAreaElement>(null);

  // Esc stops from anywhere on the page while a reply streams (not just from the box).
  useEffect(() => {
    if (!streaming) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) {
        e.preventDefault();
        onStop();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [streaming, onStop]);

  const send = async () => {
    const value = text.trim();
    if (!value || streaming || disabled) return;
    setText('');
    if (!(await onSend(value))) setText(value);
    box.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  return (
    <form
      className="composer"
      aria-label="Compose"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <textarea
        ref={box}
        aria-label="Message"
        value={text}
        rows={Math.min(8, Math.max(2, text.split('\n').length))}
        placeholder={placeholder ?? 'Ask something… (Enter sends, Shift+Enter for a new line, Esc stops)'}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
      />
      {streaming ? (
        <button type="button" onClick={onStop} aria-keyshortcuts="Escape">
          Stop
        </button>
      ) : (
        <button type="submit" className="primary" disabled={disabled || !text.trim()}>
          Send
        </button>
      )}
    </form>
  );
}
