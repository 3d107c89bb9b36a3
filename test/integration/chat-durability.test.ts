/**
 * kill -9 of a real `slm-deck serve` while replies stream from the real engine (tiny model):
 * every reply the server announced as finished (chat.message, status done) is there, complete,
 * after a restart on the same home folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnEngine, type EngineProcess } from '../../electron/engine/spawn-engine';
import { generateTinyModel } from '../../electron/engine/tiny-model/generate';
import { startServe, tempHome, type Served } from '../helpers/serve';

let root: string;
let engine: EngineProcess;
const serves: Served[] = [];

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'slm-durable-'));
  engine = await spawnEngine({ modelDir: generateTinyModel(path.join(root, 'tiny')), port: 0, modelId: 'tiny-demo', concurrency: 2 });
});
afterAll(async () => {
  for (const s of serves) await s.stop();
  await engine?.stop();
  rmSync(root, { recursive: true, force: true });
});

interface Msg {
  type: string;
  id?: number;
  event?: string;
  payload?: { conversationId: string; message: { id: string; role: string; status: string; content: string } };
  envelope?: { ok: boolean; result?: unknown; error?: { message: string } };
}

async function client(s: Served) {
  const token = new URL(s.openUrl).searchParams.get('token')!;
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws?token=${token}`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const waiting = new Map<number, (m: Msg) => void>();
  const listeners = new Set<(m: Msg) => void>();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as Msg;
    if (m.type === 'result') waiting.get(m.id!)?.(m);
    for (const l of listeners) l(m);
  });
  let n = 0;
  const call = <T,>(method: string, params: unknown) =>
    new Promise<T>((resolve, reject) => {
      waiting.set(++n, (m) => (m.envelope!.ok ? resolve(m.envelope!.result as T) : reject(new Error(m.envelope!.error!.message))));
      ws.send(JSON.stringify({ type: 'call', id: n, method, params }));
    });
  ws.send(JSON.stringify({ type: 'subscribe', event: 'chat.message' }));
  return { ws, call, listeners };
}

describe('chat durability under kill -9', () => {
  it('keeps every reply that was announced as finished', async () => {
    const home = tempHome('slm-durable-home-');
    const env = { DOCKER_HOST: `unix://${path.join(root, 'no-docker.sock')}` };
    const first = await startServe({ home, args: ['--no-embedded'], env });
    serves.push(first);
    const c = await client(first);
    const backend = await c.call<{ id: string }>('chat.addBackend', { label: 'tiny engine', baseUrl: `${engine.url}/v1`, kind: 'openai', model: 'tiny-demo' });
    const [a, b] = await Promise.all([0, 1].map(() => c.call<{ id: string }>('chat.create', { backendId: backend.id })));

    const acknowledged = new Map<string, string>();
    const rounds = 6;
    let sent = 0;
    const killed = new Promise<void>((resolve) => {
      c.listeners.add((m) => {
        const msg = m.payload?.message;
        if (m.event !== 'chat.message' || msg?.role !== 'assistant' || msg.status !== 'done') return;
        acknowledged.set(msg.id, msg.content);
        if (acknowledged.size < rounds) return;
        // The most fragile moment: right as the announcement arrives, with another reply streaming.
        first.proc.kill('SIGKILL');
        resolve();
      });
    });
    // Conversation b keeps a reply streaming; a is the one whose acknowledged replies are counted.
    const sendLoop = async (conv: string) => {
      while (first.proc.exitCode === null && first.proc.signalCode === null && sent < 100) {
        sent++;
        // The run ends just after its final message: until then a send is refused as a conflict, so ask again.
        let accepted = false;
        while (!accepted && c.ws.readyState === WebSocket.OPEN) {
          accepted = await c.call('chat.send', { conversationId: conv, content: `question ${sent}` }).then(
            () => true,
            () => false,
          );
        }
        await new Promise<void>((resolve) => {
          const check = (m: Msg) => {
            if (m.event === 'chat.message' && m.payload?.conversationId === conv && m.payload.message.role === 'assistant' && m.payload.message.status !== 'streaming') {
              c.listeners.delete(check);
              resolve();
            }
          };
          c.listeners.add(check);
          c.ws.once('close', resolve);
        });
      }
    };
    void sendLoop(a.id);
    void sendLoop(b.id);
    await killed;
    await new Promise((resolve) => first.proc.once('exit', resolve));
    expect(first.proc.signalCode).toBe('SIGKILL');
    serves.splice(serves.indexOf(first), 1);
    expect(acknowledged.size).toBeGreaterThanOrEqual(rounds);

    const second = await startServe({ home, args: ['--no-embedded'], env });
    serves.push(second);
    const d = await client(second);
    const convs = await Promise.all([a.id, b.id].map((id) => d.call<{ messages: Array<{ id: string; status: string; content: string }> }>('chat.get', { id })));
    const stored = new Map(convs.flatMap((conv) => conv.messages).map((m) => [m.id, m]));
    for (const [id, content] of acknowledged) {
      expect(stored.get(id), id).toMatchObject({ status: 'done', content });
    }
    expect(content(acknowledged)).not.toBe('');
    d.ws.close();
  });
});

const content = (m: Map<string, string>) => [...m.values()].join('');
