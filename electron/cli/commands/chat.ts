import type { Command } from 'commander';
import type { ChatBackend, ChatMessage, ChatParams } from '../../shared/contract/chat';
import { ChatParamsSchema, ToolNameSchema } from '../../shared/contract/chat';
import { DeckError } from '../../shared/errors';
import { normaliseBaseUrl } from '../../core/chat/custom-backends';
import { statsLine } from '../../core/chat/export';
import { EMBEDDED_BACKEND_ID } from '../../core/engine-host/chat-source';
import { ensureEmbeddedEngine } from './engine';
import { verb, type CliContext } from '../context';
import { print, table } from '../output';

interface ChatOpts {
  backend?: string;
  model?: string;
  prompt?: string;
  system?: string;
  temperature?: string;
  maxTokens?: string;
  seed?: string;
  tools?: boolean;
  listBackends?: boolean;
}

export function registerChat(program: Command): void {
  program
    .command('chat')
    .description('Send one prompt to a backend and stream the reply (saved as a conversation)')
    .option('--backend <backend>', 'backend id, label, or an OpenAI-compatible URL (default: the last used if it answers, else a ready deployment, else the embedded engine)')
    .option('--model <model>', 'model name (default: the backend’s first model)')
    .option('--prompt <prompt>', 'the user message')
    .option('--system <system>', 'system prompt')
    .option('--temperature <t>', 'sampling temperature')
    .option('--max-tokens <n>', 'maximum tokens to generate')
    .option('--seed <n>', 'sampling seed')
    .option('--tools', 'offer the demo tools (circle area, calculator, current time)')
    .option('--list-backends', 'list the backends and exit')
    .action(
      verb(async (ctx, cmd, o: ChatOpts) => {
        if (o.listBackends) {
          const list = await ctx.call('chat.backends', {});
          print(cmd, list, (l) => table([['ID', 'KIND', 'LABEL', 'URL'], ...l.map((b) => [b.id, b.kind, b.label, b.baseUrl])]));
          return;
        }
        if (!o.prompt) throw new DeckError('invalid_input', 'Nothing to send: pass --prompt.', 'e.g. slm-deck chat --prompt "Hello"');
        const backend = o.backend ?? (await defaultBackend(ctx, Boolean(cmd.optsWithGlobals().json)));
        return run(ctx, cmd, { ...o, backend } as ChatOpts & { backend: string; prompt: string });
      }),
    );
}

/**
 * The Playground's rule: the last backend used if it answers, else a ready deployment, else
 * the embedded engine (the CLI can start it), else whatever is configured.
 */
async function defaultBackend(ctx: CliContext, json: boolean): Promise<string> {
  const pick = await ctx.call('chat.pickBackend', {});
  let chosen = pick;
  if (!pick.answering) {
    try {
      await ensureEmbeddedEngine(ctx, json);
      chosen = { backendId: EMBEDDED_BACKEND_ID, answering: true, reason: 'the embedded engine (no other backend answers)' };
    } catch (e) {
      if (!pick.backendId) throw e;
    }
  }
  if (!chosen.backendId) throw new DeckError('not_found', 'No backend to chat with.', 'Deploy one (`slm-deck deploy ollama`), or pass --backend URL.');
  if (!json) process.stderr.write(`Backend: ${chosen.backendId} (${chosen.reason})\n`);
  return chosen.backendId;
}

async function run(ctx: CliContext, cmd: Command, o: ChatOpts & { backend: string; prompt: string }): Promise<number> {
  const json = Boolean(cmd.optsWithGlobals().json);
  // The embedded engine runs only while someone uses it: start it here, core.close() stops it.
  if (o.backend === EMBEDDED_BACKEND_ID) await ensureEmbeddedEngine(ctx, json);
  const backend = await findBackend(ctx, await ctx.call('chat.backends', {}), o.backend);
  const conv = await ctx.call('chat.create', {
    backendId: backend.id,
    ...(o.model ? { model: o.model } : {}),
    ...(o.system ? { system: o.system } : {}),
    params: params(o),
    tools: o.tools ? ToolNameSchema.options : [],
  });
  const { bus, chat } = ctx.core;
  const err = process.stderr;
  const dim = (s: string) => (err.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
  let inReasoning = false;
  const offDelta = bus.on('chat.delta', (d) => {
    if (d.conversationId !== conv.id || json) return;
    if (d.reasoning) {
      if (!inReasoning) err.write(dim('Reasoning: '));
      inReasoning = true;
      err.write(dim(d.reasoning));
    }
    if (d.content) {
      if (inReasoning) err.write('\n');
      inReasoning = false;
      process.stdout.write(d.content);
    }
  });
  const offMessage = bus.on('chat.message', ({ conversationId, message: m }) => {
    if (conversationId !== conv.id || json || m.status === 'streaming') return;
    if (m.role === 'assistant') for (const c of m.toolCalls ?? []) err.write(`\n→ ${c.name}(${JSON.stringify(c.arguments)})\n`);
    if (m.role === 'tool') err.write(`← ${m.content}\n`);
  });
  const onSigint = () => void chat.stop(conv.id);
  process.on('SIGINT', onSigint);

  const sent = await ctx.call('chat.send', { conversationId: conv.id, content: o.prompt });
  await chat.settled(conv.id);
  offDelta();
  offMessage();
  process.off('SIGINT', onSigint);

  const final = await ctx.call('chat.get', { id: conv.id });
  const turn = final.messages.slice(final.messages.findIndex((m) => m.id === sent.userMessageId) + 1);
  const last = turn.filter((m) => m.role === 'assistant').at(-1);
  if (json) {
    print(cmd, summary(conv.id, backend, turn, last), () => '');
  } else {
    if (last?.content && !last.content.endsWith('\n')) process.stdout.write('\n');
    if (last?.status === 'stopped') err.write('(stopped)\n');
    if (last?.error) err.write(`error: ${last.error.message}\n${last.error.hint ? `hint: ${last.error.hint}\n` : ''}`);
    if (last?.stats) err.write(dim(statsLine(last.stats)) + '\n');
  }
  return last?.status === 'error' || last?.status === 'interrupted' ? 1 : last?.status === 'stopped' ? 130 : 0;
}

function summary(conversationId: string, backend: ChatBackend, turn: ChatMessage[], last: ChatMessage | undefined) {
  const results = new Map(turn.filter((m) => m.role === 'tool').map((m) => [m.toolCallId, m.content]));
  return {
    conversationId,
    backend: backend.id,
    model: last?.stats?.model ?? null,
    status: last?.status ?? 'error',
    content: last?.content ?? '',
    reasoning: turn.map((m) => m.reasoning ?? '').join(''),
    toolCalls: turn.flatMap((m) => (m.toolCalls ?? []).map((c) => ({ name: c.name, arguments: c.arguments, result: results.get(c.id) ?? null }))),
    error: last?.error ?? null,
    stats: last?.stats ?? null,
  };
}

/** `--backend`: an id, a label, or a URL (added as a custom backend unless one already has it). */
export async function findBackend(ctx: CliContext, list: ChatBackend[], wanted: string): Promise<ChatBackend> {
  const found = list.find((b) => b.id === wanted) ?? list.find((b) => b.label.toLowerCase() === wanted.toLowerCase());
  if (found) return found;
  if (/^https?:\/\//.test(wanted)) {
    const kind = /:11434(\/|$)/.test(wanted) ? 'ollama' : 'openai';
    const baseUrl = normaliseBaseUrl(wanted, kind);
    return list.find((b) => b.baseUrl === baseUrl && b.kind === kind) ?? ctx.call('chat.addBackend', { label: new URL(baseUrl).host, baseUrl, kind });
  }
  throw new DeckError(
    'not_found',
    `No backend "${wanted}".`,
    list.length ? `Known backends: ${list.map((b) => b.id).join(', ')}. Or pass an OpenAI-compatible URL.` : 'Deploy one first, or pass an OpenAI-compatible URL.',
  );
}

function params(o: ChatOpts): ChatParams {
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const parsed = ChatParamsSchema.safeParse(
    Object.fromEntries(
      Object.entries({ temperature: num(o.temperature), max_tokens: num(o.maxTokens), seed: num(o.seed) }).filter(([, v]) => v !== undefined),
    ),
  );
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new DeckError('invalid_input', `Invalid --${String(i?.path[0]).replace('_', '-')}: ${i?.message}`, 'temperature 0–2, max-tokens ≥ 1, seed ≥ 0.');
  }
  return parsed.data;
}
