import { useQueryClient } from '@tanstack/react-query';
import type { ChatDelta, ChatMessage, Conversation } from '../../../../electron/shared/contract/chat';
import { useCall, useEvent, useInvalidateOn } from '../../api/hooks';


export interface LiveFigures {
  tokens: number;
  ttftMs: number | null;
}

/** Live token counts of streaming messages, read by the message view. */
export const liveFigures = new Map<string, LiveFigures>();

export const conversationKey = (id: string) => ['chat.get', { id }];

/** One conversation from the cache that useChatEventSync keeps current. */
export function useConversation(id: string | null) {
  return useCall('chat.get', { id: id ?? '' }, { enabled: Boolean(id), staleTime: Infinity });
}

/**
 * Keeps every cached conversation current, once per page: chat.message upserts a message,
 * chat.delta appends streamed text. Offsets in each delta make a page that loaded mid-stream
 * skip text it already has, and refetch if it missed a frame.
 */
export function useChatEventSync(): void {
  const qc = useQueryClient();
  useInvalidateOn('chat.changed', ['chat.list']);
  // Titles and settings change on the server too (first message, another window): refetch.
  useEvent('chat.changed', ({ conversationId }) => {
    if (conversationId) void qc.invalidateQueries({ queryKey: conversationKey(conversationId) });
  });
  useInvalidateOn('chat.backendsChanged', ['chat.backends', 'chat.backendHealth', 'chat.pickBackend']);

  useEvent('chat.message', ({ conversationId, message }) => {
    qc.setQueryData<Conversation>(conversationKey(conversationId), (c) => (c ? upsert(c, message) : c));
  });

  useEvent('chat.delta', (d) => {
    let missed = false;
    qc.setQueryData<Conversation>(conversationKey(d.conversationId), (c) => {
      if (!c) return c;
      const r = applyDelta(c, d);
      missed = r === null;
      return r ?? c;
    });
    if (missed) void qc.invalidateQueries({ queryKey: conversationKey(d.conversationId) });
  });
}

function upsert(c: Conversation, m: ChatMessage): Conversation {
  if (m.status !== 'streaming') liveFigures.delete(m.id);
  const at = c.messages.findIndex((x) => x.id === m.id);
  const messages = at >= 0 ? c.messages.map((x, k) => (k === at ? m : x)) : [...c.messages, m];
  return { ...c, messages, updatedAt: Date.now() };
}

/** The updated conversation, or null when a frame was missed and a refetch is needed. */
export function applyDelta(c: Conversation, d: ChatDelta): Conversation | null {
  const at = c.messages.findIndex((x) => x.id === d.messageId);
  if (at < 0) return null;
  const m = c.messages[at];
  const content = merge(m.content, d.content, d.contentAt);
  const reasoning = merge(m.reasoning ?? '', d.reasoning, d.reasoningAt);
  if (content === null || reasoning === null) return null;
  liveFigures.set(m.id, { tokens: d.tokens, ttftMs: d.ttftMs });
  const next: ChatMessage = { ...m, content, ...(reasoning ? { reasoning } : {}) };
  return { ...c, messages: c.messages.map((x, k) => (k === at ? next : x)) };
}

function merge(have: string, piece: string | undefined, at: number): string | null {
  if (!piece) return have;
  if (at > have.length) return null;
  return at + piece.length <= have.length ? have : have.slice(0, at) + piece;
}
