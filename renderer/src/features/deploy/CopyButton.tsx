import { useState } from 'react';

/** Copies text; says so for a moment (or says it could not, e.g. outside a secure context). */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'done' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('done');
    } catch {
      setState('failed');
    }
    setTimeout(() => setState('idle'), 1500);
  };
  return (
    <button type="button" className="small" onClick={copy}>
      {state === 'done' ? 'Copied' : state === 'failed' ? 'Select and copy by hand' : label}
    </button>
  );
}
