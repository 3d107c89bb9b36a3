import type { ChatMessage, Conversation, MessageStats } from '../../shared/contract/chat';

/** A file name from the title: safe on every OS, dated so exports sort. */
export function exportFilename(c: Conversation, ext: string): string {
  const slug = c.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'conversation';
  return `${new Date(c.createdAt).toISOString().slice(0, 10)}-${slug}.${ext}`;
}

export function toJson(c: Conversation): string {
  return JSON.stringify(c, null, 2) + '\n';
}

/** Markdown a person can read anywhere: reasoning in <details>, tool calls as JSON blocks, stats as a line. */
export function toMarkdown(c: Conversation): string {
  const out: string[] = [`# ${c.title}`, ''];
  out.push(`- Backend: ${c.backendLabel}${c.model ? ` · model ${c.model}` : ''}`);
  out.push(`- Created: ${new Date(c.createdAt).toISOString()}`);
  const params = Object.entries(c.params);
  if (params.length) out.push(`- Parameters: ${params.map(([k, v]) => `${k}=${String(v)}`).join(', ')}`);
  if (c.tools.length) out.push(`- Tools: ${c.tools.join(', ')}`);
  out.push('');
  if (c.system.trim()) out.push('## System', '', c.system.trim(), '');
  for (const m of c.messages) out.push(...message(m), '');
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

function message(m: ChatMessage): string[] {
  if (m.role === 'user') return ['## User', '', m.content];
  if (m.role === 'tool') return [`### Tool result: ${m.toolName ?? 'tool'}`, '', fence(pretty(m.content), 'json')];
  const out = ['## Assistant', ''];
  if (m.reasoning?.trim()) out.push('<details><summary>Reasoning</summary>', '', m.reasoning.trim(), '', '</details>', '');
  if (m.content) out.push(m.content, '');
  for (const call of m.toolCalls ?? []) out.push(`Tool call \`${call.name}\`:`, '', fence(JSON.stringify(call.arguments, null, 2), 'json'), '');
  if (m.status === 'stopped') out.push('_(stopped by the user)_', '');
  if ((m.status === 'error' || m.status === 'interrupted') && m.error) out.push(`_(${m.error.message})_`, '');
  if (m.stats) out.push(`_${statsLine(m.stats)}_`);
  return out;
}

export function statsLine(s: MessageStats): string {
  const parts = [`${s.backendLabel} · ${s.model}`];
  if (s.ttftMs !== null) parts.push(`TTFT ${Math.round(s.ttftMs)} ms${s.serverTtftMs != null ? ` (server ${Math.round(s.serverTtftMs)} ms)` : ''}`);
  if (s.decodeTokensPerSec !== null) parts.push(`${s.decodeTokensPerSec.toFixed(1)} tok/s`);
  if (s.promptTokens !== null) parts.push(`${s.promptTokens} prompt tokens`);
  if (s.completionTokens !== null) parts.push(`${s.completionTokens} completion tokens${s.tokenSource === 'counted' ? ' (counted)' : ''}`);
  if (s.finishReason === 'length') parts.push('cut off at max_tokens');
  return parts.join(' · ');
}

function fence(text: string, lang: string): string {
  const ticks = text.includes('```') ? '````' : '```';
  return `${ticks}${lang}\n${text}\n${ticks}`;
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}
