import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend, probeBackend } from '../../electron/core/chat/backend-choice';
import { OpenAiClient } from '../../electron/core/chat/protocols/openai-client';
import type { BackendHealth, ChatBackend } from '../../electron/shared/contract/chat';

const b = (id: string, source: string, model?: string): ChatBackend => ({
  id,
  kind: 'openai',
  baseUrl: 'http://127.0.0.1:1/v1',
  label: id,
  source,
  removable: false,
  ...(model ? { model } : {}),
});
const up = (...ids: string[]): BackendHealth[] => ids.map((id) => ({ id, answering: true }));

describe('chooseBackend: the backend a new chat starts on', () => {
  const list = [b('ollama', 'settings'), b('embedded', 'embedded'), b('docker:a', 'docker'), b('custom:x', 'custom')];

  it('keeps the last one used while it answers', () => {
    expect(chooseBackend(list, up('custom:x', 'docker:a', 'embedded'), 'custom:x')).toMatchObject({ backendId: 'custom:x', answering: true });
  });

  it('else a ready deployment, else the embedded engine, else anything that answers', () => {
    expect(chooseBackend(list, up('docker:a', 'embedded'), 'ollama')).toMatchObject({ backendId: 'docker:a', reason: 'a ready deployment' });
    expect(chooseBackend(list, up('embedded', 'custom:x'), 'ollama')).toMatchObject({ backendId: 'embedded', reason: 'the embedded engine' });
    expect(chooseBackend(list, up('custom:x'))).toMatchObject({ backendId: 'custom:x', answering: true });
  });

  it('when nothing answers, what is configured (the last used, else the first), marked as not answering', () => {
    expect(chooseBackend(list, [], 'custom:x')).toEqual({ backendId: 'custom:x', answering: false, reason: 'no backend answers; this is the one configured' });
    expect(chooseBackend(list, [])).toMatchObject({ backendId: 'ollama', answering: false });
    expect(chooseBackend([], [])).toEqual({ backendId: null, answering: false, reason: 'no backend is configured' });
  });
});

describe('probeBackend against a real HTTP server', () => {
  let server: http.Server;
  let url = '';
  let models: string[] = ['microsoft/Phi-4-mini-instruct'];
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model' })) }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  const client = new OpenAiClient();

  it('answers when the server lists the model the backend names', async () => {
    const be = { ...b('docker:x', 'docker', 'microsoft/Phi-4-mini-instruct'), baseUrl: url };
    expect(await probeBackend(be, (s) => client.models(url, s))).toEqual({ id: 'docker:x', answering: true });
  });

  it('does not answer when the model is missing, the list is empty, or nothing listens', async () => {
    models = ['other'];
    const be = { ...b('docker:x', 'docker', 'microsoft/Phi-4-mini-instruct'), baseUrl: url };
    expect(await probeBackend(be, (s) => client.models(url, s))).toEqual({ id: 'docker:x', answering: false, problem: 'It answers but does not list microsoft/Phi-4-mini-instruct.' });
    models = [];
    expect((await probeBackend(be, (s) => client.models(url, s))).problem).toBe('It answers but has no model.');
    const dead = await probeBackend(b('gone', 'custom'), (s) => client.models('http://127.0.0.1:1/v1', s));
    expect(dead).toMatchObject({ id: 'gone', answering: false });
    expect(dead.problem).toBeTruthy();
  });
});
