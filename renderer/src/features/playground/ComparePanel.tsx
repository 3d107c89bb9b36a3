import { memo, useMemo, useState } from 'react';
import type { ChatParams, ToolName } from '../../../../electron/shared/contract/chat';
import { call, type DeckClientError } from '../../api/client';

import { ErrorBox } from '../../components/ErrorBox';
import { Composer } from './Composer';
import { Transcript } from './Transcript';
import { useConversation } from './use-conversation';
import { useCall } from '../../api/hooks';

interface Target {
  backendId: string;
  model?: string;
}

/** The same prompt to two or three backends at once; each pane streams with its own stats. */
export function ComparePanel({
  ids,
  onRun,
  system,
  params,
  tools,
}: {
  ids: string[];
  onRun: (ids: string[]) => void;
  system: string;
  params: ChatParams;
  tools: ToolName[];
}) {
  const backends = useCall('chat.backends', {});
  const [targets, setTargets] = useState<Target[]>([]);
  const [error, setError] = useState<DeckClientError | null>(null);
  const list = backends.data ?? [];
  // Two rows from the start; with one backend both use it (two models of one server compare too).
  const rows: Target[] = targets.length ? targets : list.length ? [{ backendId: list[0].id }, { backendId: (list[1] ?? list[0]).id }] : [];
  const streaming = usePanesStreaming(ids);

  const send = async (prompt: string) => {
    setError(null);
    try {
      const r = await call('chat.compare', {
        prompt,
        targets: rows.map((t) => ({ backendId: t.backendId, ...(t.model ? { model: t.model } : {}) })),
        ...(system.trim() ? { system } : {}),
        params,
        tools,
      });
      onRun(r.conversationIds);
      return true;
    } catch (e) {
      setError(e as DeckClientError);
      return false;
    }
  };

  const setRow = (k: number, t: Target) => setTargets(rows.map((r, j) => (j === k ? t : r)));

  return (
    <div className="compare">
      <div className="compare-targets" role="group" aria-label="Backends to compare">
        {rows.map((t, k) => (
          <TargetPicker key={k} index={k} target={t} onChange={(n) => setRow(k, n)} onRemove={rows.length > 2 ? () => setTargets(rows.filter((_, j) => j !== k)) : undefined} />
        ))}
        {rows.length < 3 && list.length > 0 && (
          <button type="button" className="small" onClick={() => setTargets([...rows, { backendId: list[0].id }])}>
            + Add a third
          </button>
        )}
      </div>
      {list.length < 1 && <p className="muted">Add or deploy a backend first.</p>}
      <ErrorBox error={error} title="Could not start the comparison" />
      <div className={`compare-panes panes-${Math.max(2, ids.length)}`}>
        {ids.map((id, k) => (
          <Pane key={id} id={id} index={k} />
        ))}
      </div>
      <Composer
        streaming={streaming}
        disabled={rows.length < 2}
        onSend={send}
        onStop={() => ids.forEach((id) => void call('chat.stop', { conversationId: id }))}
        placeholder="One prompt for every backend… (Enter sends, Esc stops all)"
      />
    </div>
  );
}

function TargetPicker({ index, target, onChange, onRemove }: { index: number; target: Target; onChange: (t: Target) => void; onRemove?: () => void }) {
  const backends = useCall('chat.backends', {});
  const models = useCall('chat.models', { backendId: target.backendId }, { enabled: Boolean(target.backendId), staleTime: 10_000 });
  return (
    <div className="compare-target">
      <label className="field compact">
        <span>Backend {index + 1}</span>
        <select value={target.backendId} onChange={(e) => onChange({ backendId: e.target.value })}>
          {backends.data?.map((b) => (
            <option key={b.id} value={b.id}>
              {b.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field compact">
        <span>Model {index + 1}</span>
        <select value={target.model ?? ''} onChange={(e) => onChange({ ...target, model: e.target.value || undefined })}>
          <option value="">Server default</option>
          {models.data?.map((m) => (
            <option key={m.id} value={m.id}>
              {m.id}
            </option>
          ))}
        </select>
      </label>
      {onRemove && (
        <button type="button" className="small" onClick={onRemove} aria-label={`Remove backend ${index + 1}`}>
          ✕
        </button>
      )}
    </div>
  );
}

/** Memoised, with its reply list kept while its conversation is unchanged: a frame for one pane does not re-render the others. */
const Pane = memo(function Pane({ id, index }: { id: string; index: number }) {
  const conv = useConversation(id);
  const c = conv.data;
  const replies = useMemo(() => c?.messages.filter((m) => m.role !== 'user') ?? [], [c?.messages]);
  return (
    <section className="compare-pane card" aria-label={`Pane ${index + 1}${c ? `: ${c.backendLabel}` : ''}`} data-testid="compare-pane">
      <header>
        <strong>{c?.backendLabel ?? '…'}</strong> {c?.model && <span className="muted">{c.model}</span>}
      </header>
      {conv.error && <ErrorBox error={conv.error} />}
      {c && <Transcript messages={replies} label={`Replies from ${c.backendLabel}`} />}
    </section>
  );
});

function usePanesStreaming(ids: string[]): boolean {
  const a = useConversation(ids[0] ?? null).data;
  const b = useConversation(ids[1] ?? null).data;
  const c = useConversation(ids[2] ?? null).data;
  return [a, b, c].some((x) => x?.messages.some((m) => m.status === 'streaming'));
}
