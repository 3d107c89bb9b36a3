import type { Conversation } from '../../../../electron/shared/contract/chat';
import { useCall } from '../../api/hooks';

/** The text of the user turn whose reply failed, when the conversation ends in a failed reply. */
export function failedTurn(c: Conversation): string | null {
  const last = c.messages.at(-1);
  if (last?.role !== 'assistant' || last.status !== 'error') return null;
  return c.messages.findLast((m) => m.role === 'user')?.content ?? null;
}

/** After a failed reply: "Switch to <a backend that answers>" and "Retry", both resending the turn. */
export function SwitchOffer({ conversation: c, onRetry }: { conversation: Conversation; onRetry: (text: string, backendId?: string) => void }) {
  const text = failedTurn(c);
  const pick = useCall('chat.pickBackend', { exclude: [c.backendId] }, { staleTime: 5_000 });
  const backends = useCall('chat.backends', {});
  if (text === null) return null;
  const other = pick.data?.answering && pick.data.backendId ? backends.data?.find((b) => b.id === pick.data.backendId) : undefined;
  return (
    <div className="actions switch-offer" role="group" aria-label="The reply failed" data-testid="switch-offer">
      {other && (
        <button type="button" className="primary" onClick={() => onRetry(text, other.id)}>
          Switch to {other.label}
        </button>
      )}
      <button type="button" onClick={() => onRetry(text)}>
        Retry
      </button>
    </div>
  );
}
