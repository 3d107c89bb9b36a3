import { memo } from 'react';
import type { ChatMessage, MessageStats } from '../../../../electron/shared/contract/chat';
import { ErrorBox } from '../../components/ErrorBox';
import { Markdown } from './markdown/Markdown';
import { liveFigures } from './use-conversation';

/** One turn of the transcript. Memoised: only the streaming message re-renders per frame. */
export const MessageView = memo(function MessageView({ message: m }: { message: ChatMessage }) {
  if (m.role === 'tool') return <ToolResult message={m} />;
  const streaming = m.status === 'streaming';
  return (
    <article
      className={`msg msg-${m.role}`}
      data-status={m.status}
      data-testid={`message-${m.role}`}
      aria-busy={streaming || undefined}
      aria-label={m.role === 'user' ? 'Your message' : 'Reply'}
    >
      <header className="msg-role">{m.role === 'user' ? 'You' : 'Assistant'}</header>
      {m.reasoning && (
        <details className="reasoning" open={streaming && !m.content}>
          <summary>Reasoning{streaming && !m.content ? '…' : ''}</summary>
          <div className="reasoning-body">
            <Markdown text={m.reasoning} />
          </div>
        </details>
      )}
      {m.role === 'user' ? (
        <div className="user-text">{m.content}</div>
      ) : (
        <div role="group" aria-label="Answer">
          <Markdown text={m.content} />
        </div>
      )}
      {streaming && !m.content && !m.reasoning && <p className="muted typing">Waiting for the first token…</p>}
      {m.toolCalls?.map((c) => (
        <div key={c.id} className="tool-call" data-testid="tool-call">
          <span className="pill">tool call</span> <code>{c.name}</code>
          <pre>{JSON.stringify(c.arguments, null, 2)}</pre>
        </div>
      ))}
      {m.status === 'stopped' && <p className="pill warn">Stopped</p>}
      {m.status === 'interrupted' && m.error && (
        <p className="warning-box" role="status">
          {m.error.message}
        </p>
      )}
      {m.status === 'error' && m.error && <ErrorBox error={m.error} title="The reply failed" />}
      {streaming ? <LiveLine id={m.id} /> : m.stats && <StatsLine stats={m.stats} />}
    </article>
  );
});

function ToolResult({ message: m }: { message: ChatMessage }) {
  return (
    <article className="msg msg-tool" data-testid="tool-result" data-status={m.status} aria-label={`Result of ${m.toolName}`}>
      <span className={`pill ${m.status === 'error' ? 'bad' : 'ok'}`}>result</span> <code>{m.toolName}</code>
      <pre>{pretty(m.content)}</pre>
    </article>
  );
}

function LiveLine({ id }: { id: string }) {
  const live = liveFigures.get(id);
  if (!live) return null;
  return (
    <p className="stats muted" data-testid="live-stats">
      {live.ttftMs !== null && <>TTFT {Math.round(live.ttftMs)} ms · </>}
      {live.tokens} tokens…
    </p>
  );
}

export function StatsLine({ stats: s }: { stats: MessageStats }) {
  const params = Object.entries(s.params).map(([k, v]) => `${k} ${String(v)}`);
  return (
    <p className="stats muted" data-testid="stats">
      {s.ttftMs !== null && (
        <span title="Time to first token, as seen here (and as the server measured it)">
          TTFT {Math.round(s.ttftMs)} ms{s.serverTtftMs != null ? ` (server ${Math.round(s.serverTtftMs)} ms)` : ''}
        </span>
      )}
      {s.decodeTokensPerSec !== null && <span title="Decode speed">{s.decodeTokensPerSec.toFixed(1)} tok/s</span>}
      {(s.promptTokens !== null || s.completionTokens !== null) && (
        <span title={s.tokenSource === 'server' ? 'Token counts from the server' : 'Completion tokens counted from the stream'}>
          {/* An unknown count is left out rather than shown as "?". */}
          {s.promptTokens !== null && s.completionTokens !== null
            ? `${s.promptTokens} → ${s.completionTokens} tokens`
            : s.completionTokens !== null
              ? `${s.completionTokens} tokens`
              : `${s.promptTokens} prompt tokens`}
          {s.tokenSource === 'counted' ? ' (counted)' : ''}
        </span>
      )}
      <span>{s.backendLabel}</span>
      <span>{s.model}</span>
      {params.length > 0 && <span>{params.join(', ')}</span>}
      {!s.streamed && <span title="Tool turns on this server are not streamed">not streamed</span>}
      {s.finishReason === 'length' && (
        <span className="warn" title="The server stopped at the token limit (finish_reason: length); raise Max tokens for a longer reply">
          cut off at Max tokens
        </span>
      )}
    </p>
  );
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}
