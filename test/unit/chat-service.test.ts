import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BackendRegistry } from '../../electron/core/chat/backend-registry';
import { ChatService } from '../../electron/core/chat/chat-service';
import { ConversationStore } from '../../electron/core/chat/conversation-store';
import { toMarkdown } from '../../electron/core/chat/export';
import type { ChatClient, ChatRequest, StreamEvent } from '../../electron/core/chat/protocols/types';
import { EventBus } from '../../electron/core/events/event-bus';
import { silentLogger } from '../../electron/core/log/logger';
import type { ChatDelta } from '../../electron/shared/contract/chat';
import { DeckError } from '../../electron/shared/errors';
import { tempHome } from '../helpers/serve';

type Step = StreamEvent | { type: 'wait'; ms: number } | { type: 'throw'; error: unknown };

/** A protocol client that plays scripts (one per request) and records the requests. */
class ScriptedClient implements ChatClient {
  requests: ChatRequest[] = [];
  constructor(private scripts: Step[][]) {}
  async *chat(req: ChatRequest, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    this.requests.push(structuredClone(req));
    const script = this.scripts.shift() ?? [];
    for (const step of script) {
      if (signal.aborted) throw signal.reason;
      if (step.type === 'wait') {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, step.ms);
          signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
        });
      } else if (step.type === 'throw') throw step.error;
      else yield step;
    }
  }
  async models() {
    return [{ id: 'tiny' }];
  }
}

function setup(scripts: Step[][], home = tempHome()) {
  const bus = new EventBus();
  const backends = new BackendRegistry(bus, silentLogger);
  backends.register({
    name: 'test',
    list: () => [{ id: 'b1', kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', label: 'Test server', source: 'test', removable: false }],
  });
  const client = new ScriptedClient(scripts);
  const store = new ConversationStore(home, silentLogger);
  const chat = new ChatService({ bus, log: silentLogger, store, backends, clients: { openai: client, ollama: client }, persistMs: 20 });
  const deltas: ChatDelta[] = [];
  bus.on('chat.delta', (d) => deltas.push(d));
  return { bus, chat, client, store, deltas, home };
}

const words = (n: number, ms = 0): Step[] =>
  Array.from({ length: n }, (_, i) => [...(ms ? [{ type: 'wait', ms } as Step] : []), { type: 'content', text: `w${i} ` } as Step]).flat();

describe('chat service', () => {
  it('streams a reply in frames, splits <think> reasoning out and records stats', async () => {
    const { chat, deltas } = setup([
      [
        { type: 'content', text: '<think>Add ' },
        { type: 'content', text: 'them.</thi' },
        { type: 'content', text: 'nk>\n\nThe answer' },
        ...words(30, 2),
        { type: 'usage', promptTokens: 12, completionTokens: 33 },
        { type: 'finish', reason: 'stop' },
      ],
    ]);
    const c = await chat.create({ backendId: 'b1' });
    const sent = await chat.send(c.id, 'What is 2+2?');
    await chat.settled(c.id);
    const got = await chat.get(c.id);
    const reply = got.messages.find((m) => m.id === sent.assistantMessageId)!;
    expect(reply.status).toBe('done');
    expect(reply.reasoning).toBe('Add them.');
    expect(reply.content.startsWith('The answerw0 w1 ')).toBe(true);
    expect(reply.stats).toMatchObject({ promptTokens: 12, completionTokens: 33, tokenSource: 'server', model: 'tiny', backendLabel: 'Test server' });
    expect(reply.stats!.ttftMs).not.toBeNull();
    expect(reply.stats!.decodeTokensPerSec).toBeGreaterThan(0);
    expect(got.title).toBe('What is 2+2?');
    // 33 chunks over ~60 ms arrive in a handful of frames, and they add up to the reply.
    const mine = deltas.filter((d) => d.messageId === reply.id);
    expect(mine.length).toBeLessThan(15);
    expect(mine.map((d) => d.content ?? '').join('')).toBe(reply.content);
    expect(mine.map((d) => d.reasoning ?? '').join('')).toBe('Add them.');
  });

  it('stop keeps the partial answer', async () => {
    const { chat } = setup([[...words(5), { type: 'wait', ms: 10_000 }, ...words(5)]]);
    const c = await chat.create({ backendId: 'b1' });
    const sent = await chat.send(c.id, 'Tell me a long story');
    const live = async () => (await chat.get(c.id)).messages.find((m) => m.id === sent.assistantMessageId)?.content;
    await vi.waitFor(async () => expect(await live()).toBe('w0 w1 w2 w3 w4 '), { timeout: 5000, interval: 10 });
    expect(await chat.stop(c.id)).toBe(true);
    const reply = (await chat.get(c.id)).messages.find((m) => m.id === sent.assistantMessageId)!;
    expect(reply.status).toBe('stopped');
    expect(reply.content).toBe('w0 w1 w2 w3 w4 ');
    expect(reply.stats!.completionTokens).toBe(5);
    expect(reply.stats!.tokenSource).toBe('counted');
    // The conversation can go on after a stop.
    expect(await chat.stop(c.id)).toBe(false);
  });

  it('an error mid-stream keeps what arrived and says what happened', async () => {
    const broken = new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    const { chat } = setup([[...words(3), { type: 'throw', error: broken }]]);
    const c = await chat.create({ backendId: 'b1' });
    const sent = await chat.send(c.id, 'Hi');
    await chat.settled(c.id);
    const reply = (await chat.get(c.id)).messages.find((m) => m.id === sent.assistantMessageId)!;
    expect(reply.status).toBe('error');
    expect(reply.content).toBe('w0 w1 w2 ');
    expect(reply.error!.message).toBe('The connection to Test server broke after 3 tokens (other side closed).');
    expect(reply.error!.hint).toContain('What arrived is kept');
  });

  it('a server error before any token is reported with its code', async () => {
    const { chat } = setup([[{ type: 'throw', error: new DeckError('not_found', 'model "x" not found', 'Pick a model') }]]);
    const c = await chat.create({ backendId: 'b1', model: 'x' });
    await chat.send(c.id, 'Hi');
    await chat.settled(c.id);
    const reply = (await chat.get(c.id)).messages.at(-1)!;
    expect(reply).toMatchObject({ status: 'error', content: '', error: { code: 'not_found', message: 'model "x" not found' } });
  });

  it('runs the tool loop: executes the call, feeds the result back, shows both', async () => {
    const { chat, client } = setup([
      [{ type: 'tool_calls', calls: [{ id: 'call_a', name: 'calculate_circle_area', arguments: { radius: 5 } }] }, { type: 'finish', reason: 'tool_calls' }],
      [{ type: 'content', text: 'The area is 78.54 square units.' }, { type: 'finish', reason: 'stop' }],
    ]);
    const c = await chat.create({ backendId: 'b1', tools: ['calculate_circle_area'], system: 'Be brief.' });
    await chat.send(c.id, 'Calculate the area of a circle with radius 5 units');
    await chat.settled(c.id);
    const msgs = (await chat.get(c.id)).messages;
    expect(msgs.map((m) => [m.role, m.status])).toEqual([
      ['user', 'done'],
      ['assistant', 'done'],
      ['tool', 'done'],
      ['assistant', 'done'],
    ]);
    expect(msgs[1].toolCalls).toEqual([{ id: 'call_a', name: 'calculate_circle_area', arguments: { radius: 5 } }]);
    expect(JSON.parse(msgs[2].content)).toEqual({ radius: 5, area: 78.539816 });
    expect(msgs[3].content).toBe('The area is 78.54 square units.');
    expect(client.requests[0].tools?.map((t) => t.name)).toEqual(['calculate_circle_area']);
    expect(client.requests[1].messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(client.requests[1].messages[3]).toMatchObject({ toolCallId: 'call_a', toolName: 'calculate_circle_area' });
  });

  it('stops a model that calls tools forever', async () => {
    const call: Step[] = [{ type: 'tool_calls', calls: [{ id: 'c', name: 'get_current_time', arguments: {} }] }];
    const { chat } = setup(Array.from({ length: 8 }, () => call));
    const c = await chat.create({ backendId: 'b1', tools: ['get_current_time'] });
    await chat.send(c.id, 'time?');
    await chat.settled(c.id);
    const last = (await chat.get(c.id)).messages.at(-1)!;
    expect(last.status).toBe('error');
    expect(last.error!.message).toContain('kept calling tools');
  });

  it('writes the partial reply while streaming; a restart finds it interrupted with its text', async () => {
    const home = tempHome();
    const { chat } = setup([[...words(4), { type: 'wait', ms: 10_000 }]], home);
    const c = await chat.create({ backendId: 'b1' });
    await chat.send(c.id, 'Hi');
    // Wait for the periodic write (persistMs 20) to land, then read the file like a new process would.
    await expect
      .poll(async () => JSON.parse(await fs.readFile(path.join(home, 'conversations', `${c.id}.json`), 'utf8')).messages.at(-1).content)
      .toBe('w0 w1 w2 w3 ');
    const reopened = new ConversationStore(home, silentLogger);
    const reply = (await reopened.get(c.id)).messages.at(-1)!;
    expect(reply.status).toBe('interrupted');
    expect(reply.content).toBe('w0 w1 w2 w3 ');
    await chat.stop(c.id);
  });

  it('on load, removes the temporary files of writes a crash interrupted, but not a write in progress elsewhere', async () => {
    const home = tempHome();
    const { chat } = setup([], home);
    const c = await chat.create({ backendId: 'b1' });
    const dir = path.join(home, 'conversations');
    const old = path.join(dir, `${c.id}.json.0badc0de.tmp`);
    const fresh = path.join(dir, `${c.id}.json.1234abcd.tmp`);
    await fs.writeFile(old, '{"half": ');
    await fs.writeFile(fresh, '{"being written');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await fs.utimes(old, twoHoursAgo, twoHoursAgo);
    const reopened = new ConversationStore(home, silentLogger);
    expect((await reopened.list()).map((x) => x.id)).toEqual([c.id]);
    expect((await fs.readdir(dir)).sort()).toEqual([`${c.id}.json`, `${c.id}.json.1234abcd.tmp`]);
  });

  it('lists, searches, renames, exports and deletes', async () => {
    const { chat, home } = setup([[{ type: 'content', text: 'Binary search halves the range.' }], [{ type: 'content', text: 'Paris.' }]]);
    const a = await chat.create({ backendId: 'b1' });
    await chat.send(a.id, 'Explain binary search');
    await chat.settled(a.id);
    const b = await chat.create({ backendId: 'b1', params: { temperature: 0.3 } });
    await chat.send(b.id, 'Capital of France?');
    await chat.settled(b.id);
    expect((await chat.list()).map((s) => s.id)).toEqual([b.id, a.id]);
    const hits = await chat.list('HALVES');
    expect(hits.map((h) => h.id)).toEqual([a.id]);
    expect(hits[0].snippet).toContain('halves the range');
    await chat.update({ id: b.id, title: 'Geography' });
    expect((await chat.list('geography')).map((h) => h.id)).toEqual([b.id]);
    await expect(chat.update({ id: b.id, title: '  ' })).rejects.toThrow('needs a title');
    const md = toMarkdown(await chat.get(b.id));
    expect(md).toContain('# Geography');
    expect(md).toContain('- Parameters: temperature=0.3');
    expect(md).toContain('## User\n\nCapital of France?');
    expect(md).toContain('## Assistant\n\nParis.');
    expect(await chat.delete(a.id)).toBe(true);
    expect(await chat.delete(a.id)).toBe(false);
    await expect(fs.access(path.join(home, 'conversations', `${a.id}.json`))).rejects.toThrow();
    await expect(chat.get(a.id)).rejects.toThrow('No conversation');
  });

  it('closing the app keeps a streaming reply as interrupted, on disk', async () => {
    const home = tempHome();
    const { chat } = setup([[...words(3), { type: 'wait', ms: 10_000 }]], home);
    const c = await chat.create({ backendId: 'b1' });
    await chat.send(c.id, 'Hi');
    await expect.poll(async () => (await chat.get(c.id)).messages.at(-1)!.content).toBe('w0 w1 w2 ');
    await chat.close();
    const reply = (await new ConversationStore(home, silentLogger).get(c.id)).messages.at(-1)!;
    expect(reply).toMatchObject({ status: 'interrupted', content: 'w0 w1 w2 ', error: { message: expect.stringContaining('was closed while this reply was streaming') } });
  });

  it('refuses a second send while a reply streams', async () => {
    const { chat } = setup([[{ type: 'wait', ms: 10_000 }]]);
    const c = await chat.create({ backendId: 'b1' });
    await chat.send(c.id, 'one');
    await expect(chat.send(c.id, 'two')).rejects.toThrow('still streaming');
    await chat.stop(c.id);
  });

  it('compare sends one prompt to every target in parallel, each its own conversation', async () => {
    const { chat, client, bus } = setup([
      [{ type: 'wait', ms: 30 }, { type: 'content', text: 'A' }],
      [{ type: 'wait', ms: 30 }, { type: 'content', text: 'B' }],
    ]);
    // In parallel: both requests are out before the first token of either comes back.
    let requestsAtFirstToken = 0;
    const off = bus.on('chat.delta', () => (requestsAtFirstToken ||= client.requests.length));
    const r = await chat.compare({ prompt: 'Hi', targets: [{ backendId: 'b1' }, { backendId: 'b1', model: 'other' }] });
    await Promise.all(r.conversationIds.map((id) => chat.settled(id)));
    off();
    expect(requestsAtFirstToken).toBe(2);
    expect(client.requests.map((q) => q.model).sort()).toEqual(['other', 'tiny']);
    const panes = await Promise.all(r.conversationIds.map((id) => chat.get(id)));
    expect(panes.map((p) => p.messages.at(-1)!.content).sort()).toEqual(['A', 'B']);
    expect(panes.every((p) => p.compareId === r.compareId)).toBe(true);
    await expect(chat.compare({ prompt: 'Hi', targets: [{ backendId: 'b1' }, { backendId: 'nope' }] })).rejects.toThrow('not available');
  });
});
