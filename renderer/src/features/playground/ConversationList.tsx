import { memo, useEffect, useState } from 'react';
import type { ConversationSummary } from '../../../../electron/shared/contract/chat';
import { call } from '../../api/client';
import { useAction, useCall } from '../../api/hooks';
import { download } from '../../components/download';
import { ErrorBox } from '../../components/ErrorBox';


/** Saved conversations: search, open, rename, export, delete. */
/** Memoised: the Playground re-renders on every streamed frame, the list need not. */
export const ConversationList = memo(function ConversationList({ selected, onSelect }: { selected: string | null; onSelect: (id: string | null) => void }) {
  const [query, setQuery] = useState('');
  const [debounced, setDebounced] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setDebounced(query.trim()), 200);
    return () => clearTimeout(t);
  }, [query]);
  const list = useCall('chat.list', debounced ? { query: debounced } : {});

  return (
    <nav className="pg-list" aria-label="Conversations">
      <div className="actions">
        <button type="button" className="primary" onClick={() => onSelect(null)}>
          + New chat
        </button>
      </div>
      <input type="search" aria-label="Search conversations" placeholder="Search…" value={query} onChange={(e) => setQuery(e.target.value)} />
      {list.error && <ErrorBox error={list.error} title="Could not list conversations" />}
      {list.data?.length === 0 && <p className="muted small">{debounced ? 'Nothing matches.' : 'No conversations yet.'}</p>}
      <ul>
        {list.data?.map((c) => (
          <Item key={c.id} c={c} selected={c.id === selected} onSelect={onSelect} />
        ))}
      </ul>
    </nav>
  );
});

function Item({ c, selected, onSelect }: { c: ConversationSummary; selected: boolean; onSelect: (id: string | null) => void }) {
  const [renaming, setRenaming] = useState(false);
  const [title, setTitle] = useState(c.title);
  const [confirming, setConfirming] = useState(false);
  const rename = useAction('chat.update', ['chat.list']);
  const del = useAction('chat.delete', ['chat.list']);

  const exportAs = async (format: 'markdown' | 'json') => {
    const file = await call('chat.export', { id: c.id, format });
    download(file.filename, file.mime, file.content);
  };

  return (
    <li className={selected ? 'selected' : undefined}>
      {renaming ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            rename.mutate({ id: c.id, title }, { onSuccess: () => setRenaming(false) });
          }}
        >
          <input
            aria-label="New title"
            value={title}
            autoFocus
            onChange={(e) => setTitle(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.preventDefault();
                setRenaming(false);
                setTitle(c.title);
              }
            }}
          />
          <ErrorBox error={rename.error} />
        </form>
      ) : (
        <button type="button" className="conv" aria-current={selected || undefined} onClick={() => onSelect(c.id)}>
          <span className="conv-title">{c.title}</span>
          <span className="conv-meta muted">
            {c.compareId && <em className="pill">compare</em>} {c.backendLabel}
            {c.model ? ` · ${c.model}` : ''} · {when(c.updatedAt)}
            {c.streaming && ' · streaming…'}
          </span>
          {c.snippet && <span className="conv-snippet muted">{c.snippet}</span>}
        </button>
      )}
      {selected && !renaming && (
        <div className="conv-actions">
          <button type="button" className="small" onClick={() => (setTitle(c.title), setRenaming(true))}>
            Rename
          </button>
          <button type="button" className="small" onClick={() => void exportAs('markdown')}>
            Export .md
          </button>
          <button type="button" className="small" onClick={() => void exportAs('json')}>
            Export .json
          </button>
          {confirming ? (
            <button type="button" className="small danger" onClick={() => del.mutate({ id: c.id }, { onSuccess: () => onSelect(null) })}>
              Yes, delete
            </button>
          ) : (
            <button type="button" className="small" onClick={() => setConfirming(true)}>
              Delete
            </button>
          )}
        </div>
      )}
    </li>
  );
}

function when(t: number): string {
  const d = new Date(t);
  const today = new Date();
  return d.toDateString() === today.toDateString()
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}
