/**
 * Both servers as real processes (`slm-deck serve` and the engine on the tiny model), probed the
 * way a hostile page or a careless client would: malformed request targets and headers, foreign
 * Host and Origin, missing API key, and every contract method with params it does not accept.
 * They must answer each with an HTTP status or a typed error and stay up with the same PID.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnEngine, type EngineProcess } from '../../electron/engine/spawn-engine';
import { generateTinyModel } from '../../electron/engine/tiny-model/generate';
import { TINY_DEMO_MESSAGES } from '../../electron/engine/tiny-model/spec';
import { methods } from '../../electron/shared/contract';
import { ERROR_CODES } from '../../electron/shared/errors';
import { rawRequest, requestBytes } from '../helpers/raw-http';
import { startServe, type Served } from '../helpers/serve';

const API_KEY = 'fuzz-test-key-0123456789abcdef';
let root: string;
let serve: Served;
let engine: EngineProcess;
let lockedEngine: EngineProcess;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'slm-guards-'));
  const modelDir = generateTinyModel(path.join(root, 'tiny'));
  const keyFile = path.join(root, 'api-key');
  writeFileSync(keyFile, `${API_KEY}\n`, { mode: 0o600 });
  // No Docker here: a contract call that slipped through validation could not touch the shared test daemon.
  serve = await startServe({ args: ['--no-embedded'], env: { DOCKER_HOST: `unix://${path.join(root, 'no-docker.sock')}` } });
  engine = await spawnEngine({ modelDir, port: 0, modelId: 'tiny-demo' });
  lockedEngine = await spawnEngine({ modelDir, port: 0, modelId: 'tiny-demo', apiKeyFile: keyFile });
});
afterAll(async () => {
  await serve?.stop();
  await engine?.stop();
  await lockedEngine?.stop();
  rmSync(root, { recursive: true, force: true });
});

const portOf = (url: string) => Number(new URL(url).port);

/** Request targets: known crashers (bad percent-encoding, unparsable authorities) and random mixes of URL syntax. */
const target = fc.oneof(
  fc.constantFrom('/%', '/%E0%A4%A', '//[', '//[::1', 'http://[x]/', 'http://a:b@[::1:80/', '/ws?token=%zz', '/%00', '*', '/..%2f..%2fetc/passwd', '/v1/%ZZ', 'http://evil.example/', '/\\..\\..\\'),
  fc.string({ unit: fc.constantFrom('/', '%', '[', ']', '?', '#', '@', ':', '.', '..', 'a', 'é', '\\', '%2', '%E0', 'ws', 'v1', 'health', '\u0000', ' ', '\t') }),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `/${s}`),
);
/** Header values without CR/LF (those would start another header), including bytes HTTP forbids. */
const headerValue = fc.oneof(
  fc.constantFrom('', ' ', '[::1', '127.0.0.1:1', 'localhost', 'evil.example', 'http://evil.example', 'null', '%', 'a'.repeat(5000)),
  fc.string({ unit: 'binary', maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, '')),
);
const method = fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'BREW');

function headersFor(host: string) {
  return fc.record(
    {
      Host: fc.oneof(fc.constant(host), headerValue),
      Origin: headerValue,
      Authorization: headerValue,
      Upgrade: fc.constantFrom('websocket', 'h2c', ''),
      Connection: fc.constantFrom('Upgrade', 'close', 'keep-alive, Upgrade'),
      'Sec-WebSocket-Version': fc.constantFrom('13', '8', 'x'),
      'Sec-WebSocket-Key': fc.constantFrom('dGhlIHNhbXBsZSBub25jZQ==', ''),
    },
    { requiredKeys: [] },
  );
}

async function fuzzServer(port: number, pid: number | undefined, alive: () => Promise<void>) {
  await fc.assert(
    fc.asyncProperty(method, target, headersFor(`127.0.0.1:${port}`), async (m, t, h) => {
      const status = await rawRequest(port, requestBytes(m, t, { Connection: 'close', ...h }));
      // Every request gets a status line, and no client error is an internal one.
      expect(status).not.toBeNull();
      expect(status!).toBeLessThan(500);
    }),
    { numRuns: 400 },
  );
  await alive();
  expect(pid).toBeDefined();
}

describe('slm-deck serve under malformed requests', () => {
  it('answers every fuzzed request target and header set and stays up with the same PID', async () => {
    const pid = serve.proc.pid;
    await fuzzServer(portOf(serve.url), pid, async () => {
      expect(serve.proc.exitCode).toBeNull();
      expect(serve.proc.pid).toBe(pid);
      expect((await fetch(`${serve.url}/`)).status).toBe(200);
    });
  });

  it('refuses a Host that is not a loopback name (DNS rebinding) but serves 127.0.0.1, localhost and [::1]', async () => {
    const port = portOf(serve.url);
    expect(await rawRequest(port, requestBytes('GET', '/', { Host: `rebind.evil.example:${port}` }))).toBe(421);
    expect(await rawRequest(port, requestBytes('GET', '/api/session', { Host: `rebind.evil.example:${port}` }))).toBe(421);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      expect(await rawRequest(port, requestBytes('GET', '/', { Host: host })), host).toBe(200);
    }
    const token = new URL(serve.openUrl).searchParams.get('token')!;
    const refused = new WebSocket(`${serve.url.replace('http', 'ws')}/ws?token=${token}`, { headers: { Host: `rebind.evil.example:${port}` } });
    const status = await new Promise<number>((resolve) => refused.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(421);
  });

  it('answers every contract method called with params it does not accept with a typed error, over the WebSocket', async () => {
    const token = new URL(serve.openUrl).searchParams.get('token')!;
    const ws = new WebSocket(`${serve.url.replace('http', 'ws')}/ws?token=${token}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const pending = new Map<number, (m: { envelope: { ok: boolean; error?: { code: string; message: string } } }) => void>();
    ws.on('message', (d) => {
      const msg = JSON.parse(d.toString());
      pending.get(msg.id)?.(msg);
      pending.delete(msg.id);
    });
    let id = 0;
    const call = (name: string, params: unknown) =>
      new Promise<{ envelope: { ok: boolean; error?: { code: string; message: string } } }>((resolve) => {
        pending.set(++id, resolve);
        ws.send(JSON.stringify({ type: 'call', id, method: name, params }));
      });
    let calls = 0;
    for (const [name, def] of Object.entries(methods)) {
      // Only params the method's own schema refuses: an accepted call would act (and is tested elsewhere).
      // Compared as they travel: JSON drops undefined and the dispatcher reads missing params as {}.
      const invalid = fc
        .anything({ maxDepth: 3 })
        .map((v) => (JSON.parse(JSON.stringify({ v })) as { v?: unknown }).v)
        .filter((v) => !def.input.safeParse(v ?? {}).success);
      await fc.assert(
        fc.asyncProperty(invalid, async (params) => {
          calls++;
          const { envelope } = await call(name, params);
          expect(envelope.ok, name).toBe(false);
          expect(ERROR_CODES, name).toContain(envelope.error!.code);
          expect(envelope.error!.code, `${name}: ${envelope.error!.message}`).toBe('invalid_input');
        }),
        { numRuns: 25 },
      );
    }
    expect(calls).toBeGreaterThan(Object.keys(methods).length * 20);
    expect((await call('app.info', {})).envelope.ok).toBe(true);
    expect(serve.proc.exitCode).toBeNull();
    ws.close();
  });
});

describe('the engine under malformed requests', () => {
  it('answers every fuzzed request target and header set and stays up with the same PID', async () => {
    const pid = engine.child.pid;
    await fuzzServer(engine.port, pid, async () => {
      expect(engine.child.exitCode).toBeNull();
      expect(engine.child.pid).toBe(pid);
      expect((await fetch(`${engine.url}/health`)).status).toBe(200);
    });
  });

  it('refuses a foreign Host and a cross-site Origin, and serves its own', async () => {
    const chat = (headers: Record<string, string>) =>
      rawRequest(engine.port, `POST /v1/chat/completions HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
    expect(await chat({ Host: `rebind.evil.example:${engine.port}` })).toBe(421);
    expect(await chat({ Host: `127.0.0.1:${engine.port}`, Origin: 'https://evil.example' })).toBe(403);
    // Same-origin and non-browser requests reach the API (400: the empty object is not a chat request).
    expect(await chat({ Host: `127.0.0.1:${engine.port}`, Origin: `http://localhost:${engine.port}` })).toBe(400);
    expect(await chat({ Host: `localhost:${engine.port}` })).toBe(400);
  });

  it('with --api-key-file, needs `Authorization: Bearer` on the API but leaves /health open', async () => {
    const body = JSON.stringify({ messages: TINY_DEMO_MESSAGES, max_tokens: 2 });
    const post = (headers: Record<string, string>) => fetch(`${lockedEngine.url}/v1/chat/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
    const refused = await post({});
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/API key/);
    expect((await post({ Authorization: 'Bearer wrong-key-wrong-key' })).status).toBe(401);
    expect((await fetch(`${lockedEngine.url}/v1/models`)).status).toBe(401);
    const ok = await post({ Authorization: `Bearer ${API_KEY}` });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { object: string }).object).toBe('chat.completion');
    expect((await fetch(`${lockedEngine.url}/health`)).status).toBe(200);
  });
});
