import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Conversation, Preset } from '../../../../electron/shared/contract/chat';
import { call, type DeckClientError } from '../../api/client';

import { ErrorBox } from '../../components/ErrorBox';
import { usePlaygroundDraft } from '../../stores/playground-draft';
import { ComparePanel } from './ComparePanel';
import { Composer } from './Composer';
import { ConversationList } from './ConversationList';
import { useHashParams } from './hash-params';
import { SetupPanel, type Setup } from './SetupPanel';
import { failedTurn, SwitchOffer } from './SwitchOffer';
import { Transcript } from './Transcript';
import { conversationKey, useChatEventSync, useConversation } from './use-conversation';
import { useCall } from '../../api/hooks';

const SETUP_KEY = 'slm-deck-playground-setup';

function loadSetup(): Setup {
  try {
    const s = JSON.parse(localStorage.getItem(SETUP_KEY) ?? 'null') as Partial<Setup> | null;
    if (s && typeof s.backendId === 'string') {
      return { backendId: s.backendId, model: s.model, system: s.system ?? '', params: s.params ?? {}, tools: s.tools ?? [] };
    }
  } catch {
    // a broken entry only loses the remembered choice
  }
  return { backendId: '', system: '', params: {}, tools: [] };
}

export function PlaygroundPage() {
  useChatEventSync();
  const qc = useQueryClient();
  const [hash, setHash] = useHashParams();
  const selected = hash.get('c');
  const view = hash.get('view') === 'compare' ? 'compare' : 'chat';
  const compareIds = (hash.get('compare') ?? '').split(',').filter(Boolean);
  const [setup, setSetupState] = useState<Setup>(loadSetup);
  const [error, setError] = useState<DeckClientError | null>(null);
  const [pending, setPending] = useState<Partial<Setup>>({});
  const backends = useCall('chat.backends', {});
  const presets = useCall('chat.presets', {});
  const conv = useConversation(selected);
  const draft = usePlaygroundDraft();

  const setSetup = (s: Setup) => {
    setSetupState(s);
    localStorage.setItem(SETUP_KEY, JSON.stringify(s));
  };

  // Start on a backend that answers: the last one used if it still does, else a ready
  // deployment, else the embedded engine, else what is configured (chat.pickBackend).
  // Picked again when the list changes (the embedded engine coming up) until one answers.
  const [settled, setSettled] = useState(false);
  useEffect(() => {
    if (settled || !backends.data) return;
    let stale = false;
    void call('chat.pickBackend', setup.backendId ? { last: setup.backendId } : {}).then(
      (p) => {
        if (stale) return;
        if (p.answering) setSettled(true);
        // Newer than the list (it came up meanwhile): fetch the list again.
        if (p.backendId && !backends.data?.some((b) => b.id === p.backendId)) void backends.refetch();
        if (p.backendId && p.backendId !== setup.backendId) setSetup({ ...setup, backendId: p.backendId, model: undefined });
      },
      () => undefined,
    );
    return () => {
      stale = true;
    };
  }, [backends.data, settled]);

  // Counts conversation switches, so a chat.create that resolves late (the chat "Open in
  // Playground" starts) does not take the view from one the user opened or picked meanwhile.
  const switches = useRef(0);
  const show = useCallback(
    (id: string | null) => {
      setPending({});
      setHash({ c: id, view: null });
    },
    [setHash],
  );
  const select = useCallback(
    (id: string | null) => {
      switches.current++;
      show(id);
    },
    [show],
  );

  /** `dropIfUnseen`: the chat is empty until the user writes in it, so one superseded before it showed goes again. */
  const open = async (s: Setup & { title?: string }, dropIfUnseen = false): Promise<Conversation> => {
    const switchNo = ++switches.current;
    const c = await call('chat.create', {
      backendId: s.backendId,
      ...(s.model ? { model: s.model } : {}),
      system: s.system,
      params: s.params,
      tools: s.tools,
      ...(s.title ? { title: s.title } : {}),
    });
    qc.setQueryData(conversationKey(c.id), c);
    if (switchNo === switches.current) show(c.id);
    else if (dropIfUnseen) void call('chat.delete', { id: c.id }).catch(() => undefined);
    return c;
  };

  // "Try in Playground" from another page: a new chat with that backend and model.
  useEffect(() => {
    if (!draft.backend) return;
    const next = { ...setup, backendId: draft.backend, model: draft.model };
    draft.clear();
    setSetup(next);
    // A preset clicked before it shows opens a chat of its own: this empty one then goes.
    open(next, true).catch((e: DeckClientError) => setError(e));
  }, [draft.backend]);

  const send = async (text: string, base?: Setup): Promise<boolean> => {
    setError(null);
    try {
      const empty = selected && conv.data?.messages.length === 0;
      // A preset on an empty chat (just opened, e.g. by "Open in Playground") uses that chat.
      if (base && empty) await call('chat.update', { id: selected, system: base.system, params: base.params, tools: base.tools });
      const id = empty || (!base && selected && conv.data) ? selected : (await open(base ?? setup)).id;
      await call('chat.send', { conversationId: id, content: text });
      return true;
    } catch (e) {
      setError(e as DeckClientError);
      return false;
    }
  };

  const runPreset = (p: Preset) =>
    void send(p.prompt, {
      ...setup,
      system: p.system ?? setup.system,
      params: p.params ?? setup.params,
      tools: p.tools ?? [],
    });

  const c = conv.data;
  const current: Setup = c ? { backendId: c.backendId, model: c.model, system: c.system, params: c.params, tools: c.tools, ...pending } : setup;
  const changeSetup = async (patch: Partial<Setup>) => {
    // A backend chosen by hand is kept.
    if (patch.backendId) setSettled(true);
    if (!c) return setSetup({ ...setup, ...patch });
    // Optimistic: controls reflect the change at once; the server's answer replaces it.
    setPending((p) => ({ ...p, ...patch }));
    try {
      const updated = await call('chat.update', {
        id: c.id,
        ...patch,
        ...('model' in patch ? { model: patch.model ?? '' } : {}),
      });
      qc.setQueryData(conversationKey(c.id), updated);
      setPending({});
      // The next new chat starts from what was chosen last.
      setSetup({ backendId: updated.backendId, model: updated.model, system: updated.system, params: updated.params, tools: updated.tools });
    } catch (e) {
      setError(e as DeckClientError);
      setPending({});
    }
  };
  const streaming = Boolean(c?.messages.some((m) => m.status === 'streaming'));
  /** Sends the failed turn's text again, on another backend when one is given. */
  const retry = async (text: string, backendId?: string) => {
    if (backendId && c) await changeSetup({ backendId, model: undefined });
    await send(text);
  };
  const stop = useCallback(() => {
    if (selected) void call('chat.stop', { conversationId: selected });
  }, [selected]);

  return (
    <section className="page playground" aria-labelledby="playground-title">
      <div className="pg-head">
        <h1 id="playground-title">Playground</h1>
        <div className="tabs" role="tablist" aria-label="Playground view">
          <button role="tab" type="button" aria-selected={view === 'chat'} onClick={() => setHash({ view: null })}>
            Chat
          </button>
          <button role="tab" type="button" aria-selected={view === 'compare'} onClick={() => setHash({ view: 'compare' })}>
            Compare
          </button>
        </div>
      </div>
      {backends.data?.length === 0 && (
        <div className="warning-box">No backend yet: deploy one on the Deploy page, or add an OpenAI-compatible URL on the right.</div>
      )}
      <div className="pg-grid">
        <ConversationList selected={selected} onSelect={select} />
        <div className="pg-main">
          {view === 'compare' ? (
            <ComparePanel ids={compareIds} onRun={(ids) => setHash({ compare: ids.join(','), view: 'compare' })} system={setup.system} params={setup.params} tools={setup.tools} />
          ) : (
            <>
              <header className="pg-title">
                <h2>{c?.title ?? 'New chat'}</h2>
                {c && (
                  <span className="muted small">
                    {c.backendLabel}
                    {c.model ? ` · ${c.model}` : ''}
                  </span>
                )}
              </header>
              {conv.error && <ErrorBox error={conv.error} title="Could not open the conversation" />}
              {c && c.messages.length > 0 ? (
                <Transcript messages={c.messages} label="Conversation" />
              ) : (
                <div className="presets" role="group" aria-label="Presets">
                  <p className="muted">Start from one of the deployment guide’s test prompts, or type your own.</p>
                  {presets.data?.map((p) => (
                    <button key={p.id} type="button" className="preset" onClick={() => runPreset(p)} disabled={!setup.backendId && !c}>
                      <span className={`pill cat-${p.category}`}>{p.category}</span> {p.label}
                    </button>
                  ))}
                </div>
              )}
              <ErrorBox error={error} title="Could not send" />
              {c && !streaming && failedTurn(c) && <SwitchOffer conversation={c} onRetry={(text, backendId) => void retry(text, backendId)} />}
              <Composer streaming={streaming} disabled={!current.backendId} onSend={(t) => send(t)} onStop={stop} />
            </>
          )}
        </div>
        <SetupPanel
          value={view === 'compare' ? setup : current}
          compare={view === 'compare'}
          onChange={(p) => (view === 'compare' ? setSetup({ ...setup, ...p }) : void changeSetup(p))}
        />
      </div>
    </section>
  );
}
