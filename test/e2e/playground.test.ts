import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEngine, type EngineProcess } from '../../electron/engine/spawn-engine';
import { TINY_ANSWER, TINY_MODEL_ID } from '../../electron/engine/tiny-model/spec';
import type { ChatMessage, Conversation } from '../../electron/shared/contract/chat';
import { startOllamaFake, type OllamaFake } from '../fakes/ollama';
import { launchBrowser } from '../helpers/browser';
import { docScreenshot } from '../helpers/doc-screenshot';
import { ROOT, startServe, tempHome, type Served } from '../helpers/serve';
import { startSlowLink, type SlowLink } from '../integration/chat-slow-link';

/**
 * The Playground in Chromium, served by the real `slm-deck serve`, chatting with its embedded
 * ONNX engine running the tiny demo model (real inference), a second engine added by URL
 * (behind a slow link, so a reply lasts long enough to watch and stop), and the Ollama
 * protocol fake for what only Ollama does. Run `node scripts/build.js` first.
 */
const MODEL_DIR = path.join(ROOT, 'resources', 'models', TINY_MODEL_ID);
const SLOW = 'Tiny engine (slow link)';
const LONG_ID = 'longconversation01';
const TURNS = 80;

let browser: Browser;
let engine: EngineProcess;
let link: SlowLink;
let fake: OllamaFake;
let served: Served;
let home: string;
let ollamaLabel: string;
let embeddedLabel: string;

/** One call through the app's WebSocket, as the page would make it (for setup only). */
function rpc<T>(method: string, params: unknown): Promise<T> {
  const { origin, searchParams } = new URL(served.openUrl);
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws?token=${searchParams.get('token')}`);
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'call', id: 1, method, params })));
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { type: string; envelope?: { ok: boolean; result?: T; error?: { message: string } } };
      if (msg.type !== 'result') return;
      ws.close();
      if (msg.envelope!.ok) resolve(msg.envelope!.result as T);
      else reject(new Error(msg.envelope!.error!.message));
    });
  });
}

/**
 * A conversation of 80 turns, written as the app would have saved it: long on screen, short
 * enough in tokens for the tiny model's 4K context.
 */
function seedLongConversation(dir: string): void {
  const messages: ChatMessage[] = [];
  for (let i = 1; i <= TURNS; i++) {
    messages.push({ id: `u${i}`, role: 'user', content: `Question ${i}?`, status: 'done', createdAt: i });
    messages.push({ id: `a${i}`, role: 'assistant', content: `Answer ${i}.${'\n\n- point'.repeat(i % 4)}`, status: 'done', createdAt: i });
  }
  const c: Conversation = {
    version: 1,
    id: LONG_ID,
    title: 'A very long conversation',
    createdAt: 1,
    updatedAt: 2,
    backendId: 'custom:slow',
    backendLabel: SLOW,
    system: '',
    params: {},
    tools: [],
    messages,
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${LONG_ID}.json`), JSON.stringify(c));
}

async function openPlayground(hash = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${served.openUrl}#/playground${hash}`);
  await page.getByRole('heading', { name: 'Playground', level: 1 }).waitFor();
  await expect.poll(() => page.getByTestId('connection-state').textContent()).toContain('Connected');
  return page;
}

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const lastReply = (page: Page) => page.getByTestId('transcript').getByTestId('message-assistant').last();

async function pickBackend(page: Page, label: string, model?: string): Promise<void> {
  await page.getByLabel('Backend', { exact: true }).selectOption({ label });
  if (model) {
    await expect.poll(() => page.getByLabel('Model', { exact: true }).locator('option').allTextContents()).toContainEqual(expect.stringContaining(model));
    await page.getByLabel('Model', { exact: true }).selectOption(model);
  }
}

beforeAll(async () => {
  browser = await launchBrowser();
  engine = await spawnEngine({ modelDir: MODEL_DIR });
  link = await startSlowLink({ host: '127.0.0.1', port: engine.port }, 250);
  fake = await startOllamaFake({ installed: ['phi4-mini', 'qwen3:0.6b'] });
  ollamaLabel = `Ollama (127.0.0.1:${fake.port})`;
  home = tempHome('slm-deck-playground-e2e-');
  writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ version: 1, ollamaUrl: fake.url }));
  writeFileSync(
    path.join(home, 'chat-backends.json'),
    JSON.stringify({ version: 1, backends: [{ id: 'custom:slow', label: SLOW, baseUrl: `${link.url}/v1`, kind: 'openai' }] }),
  );
  seedLongConversation(path.join(home, 'conversations'));
  served = await startServe({ home });
  // Ollama answers here, so serve did not start the embedded engine by itself: start it.
  await rpc('engine.start', {});
  const backends = await rpc<{ id: string; label: string }[]>('chat.backends', {});
  embeddedLabel = backends.find((b) => b.id === 'embedded')!.label;
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await link?.close();
  await engine?.stop();
  await fake?.close();
});

describe('playground in a browser', () => {
  it('sends a prompt and shows the known answer with its stats; Esc stops a streaming reply; a reload finds both', async () => {
    const page = await openPlayground();
    // The engine joins as an OpenAI-compatible URL.
    await page.getByRole('button', { name: '+ Add OpenAI-compatible URL' }).click();
    await page.getByLabel('Name').fill('Tiny engine');
    await page.getByLabel('URL').fill(engine.url);
    await page.getByRole('button', { name: 'Add backend' }).click();
    // The list is fetched again after the add: on a loaded machine that can take more than a second.
    await expect.poll(() => page.getByLabel('Backend', { exact: true }).locator('option:checked').textContent(), { timeout: 15_000 }).toBe('Tiny engine');

    // The first chat goes to the embedded engine.
    await page.getByRole('button', { name: '+ New chat' }).click();
    await pickBackend(page, embeddedLabel);
    await composer(page).fill('Hello! Who are you?');
    await composer(page).press('Enter');
    await expect.poll(() => lastReply(page).getByRole('group', { name: 'Answer' }).textContent()).toBe(TINY_ANSWER);
    const stats = lastReply(page).getByTestId('stats');
    await expect.poll(() => stats.textContent()).toMatch(/TTFT \d+ ms \(server \d+ ms\).*tok\/s.*\d+ → 13 tokens/);
    expect(await stats.textContent()).toContain(embeddedLabel);
    expect(await stats.textContent()).not.toContain('cut off');
    await expect.poll(() => page.getByRole('heading', { level: 2 }).textContent()).toBe('Hello! Who are you?');

    // Over the slow link the reply arrives token by token: watch it grow, then stop it with Esc.
    await page.getByRole('button', { name: '+ New chat' }).click();
    await pickBackend(page, SLOW);
    await composer(page).fill('Who are you, slowly?');
    await composer(page).press('Enter');
    const reply = lastReply(page);
    await expect.poll(() => reply.getAttribute('data-status')).toBe('streaming');
    await expect.poll(async () => (await reply.getByRole('group', { name: 'Answer' }).textContent())!.split(' ').length, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    const seen = (await reply.getByRole('group', { name: 'Answer' }).textContent())!;
    expect(TINY_ANSWER.startsWith(seen)).toBe(true);
    await expect.poll(() => reply.getByTestId('live-stats').textContent()).toMatch(/\d+ tokens…/);
    await page.keyboard.press('Escape');
    await expect.poll(() => reply.getAttribute('data-status')).toBe('stopped');
    await reply.getByText('Stopped').waitFor();
    const partial = (await reply.getByRole('group', { name: 'Answer' }).textContent())!;
    expect(partial.length).toBeGreaterThanOrEqual(seen.length);
    expect(partial.length).toBeLessThan(TINY_ANSWER.length);
    expect(TINY_ANSWER.startsWith(partial)).toBe(true);

    // Reload: the stopped conversation is still open (its id is in the URL) and both are listed.
    await page.reload();
    await expect.poll(() => lastReply(page).getAttribute('data-status')).toBe('stopped');
    expect(await lastReply(page).getByRole('group', { name: 'Answer' }).textContent()).toBe(partial);
    const list = page.getByRole('navigation', { name: 'Conversations' });
    await list.getByRole('button', { name: /Hello! Who are you\?/ }).click();
    await expect.poll(() => lastReply(page).getByRole('group', { name: 'Answer' }).textContent()).toBe(TINY_ANSWER);
    await list.getByRole('button', { name: /Who are you, slowly\?/ }).click();

    // Reloading while a reply streams picks it up where it is, without losing or doubling text.
    await composer(page).fill('Once more, slowly');
    await composer(page).press('Enter');
    await expect.poll(() => page.getByTestId('transcript').getByTestId('message-assistant').count()).toBe(2);
    await expect.poll(async () => (await lastReply(page).getByRole('group', { name: 'Answer' }).textContent())!.split(' ').length, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    await page.reload();
    await expect.poll(() => lastReply(page).getAttribute('data-status')).toBe('streaming');
    await expect.poll(() => lastReply(page).getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
    expect(await lastReply(page).getByRole('group', { name: 'Answer' }).textContent()).toBe(TINY_ANSWER);
    await page.close();
  });

  it('shows tool calls with their results, a collapsible reasoning block and rendered Markdown', async () => {
    const page = await openPlayground();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: '+ New chat' }).click();
    await pickBackend(page, 'Tiny engine');
    // One click on the seed's function-calling prompt: the engine calls the tool, gets the result, answers.
    await page.getByRole('button', { name: /Tools: circle area/ }).click();
    const transcript = page.getByTestId('transcript');
    await transcript.getByTestId('tool-call').getByText('calculate_circle_area').waitFor();
    await expect.poll(() => transcript.getByTestId('tool-result').textContent()).toContain('"area": 78.539816');
    await expect.poll(() => lastReply(page).getByRole('group', { name: 'Answer' }).textContent()).toBe(TINY_ANSWER);
    await expect.poll(() => page.getByRole('checkbox', { name: 'calculate_circle_area' }).isChecked()).toBe(true);

    // A reasoning model on Ollama: thinking goes into the Reasoning block, the answer renders as Markdown.
    fake.script({
      thinking: 'The user wants the Fibonacci numbers in a table and as code.',
      content:
        'Here is a **table**:\n\n| n | fib(n) |\n|---:|:---|\n| 1 | 1 |\n| 10 | 55 |\n\n```python\ndef fib(n):\n    # dynamic programming: keep the last two values\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n```\n\nGrowth: $F_n \\approx \\frac{\\phi^n}{\\sqrt{5}}$. <script>alert(1)</script>',
    });
    await pickBackend(page, ollamaLabel, 'qwen3:0.6b');
    await page.getByLabel('Think (reasoning models)').selectOption('true');
    // Slow enough to watch: the reasoning is open while it streams, and folds when the answer starts.
    fake.tokenIntervalMs = 60;
    await composer(page).fill('Fibonacci, please');
    await composer(page).press('Enter');
    const reply = lastReply(page);
    try {
      await expect.poll(() => reply.locator('details[open]').count(), { timeout: 15_000 }).toBe(1);
      expect(await reply.getByRole('group', { name: 'Answer' }).textContent()).toBe('');
      await expect.poll(() => reply.getByRole('group', { name: 'Answer' }).textContent(), { timeout: 15_000 }).toContain('Here is');
      await expect.poll(() => reply.locator('details[open]').count()).toBe(0);
    } finally {
      fake.tokenIntervalMs = 0;
    }
    await expect.poll(() => reply.getByRole('group', { name: 'Answer' }).textContent(), { timeout: 30_000 }).toContain('Here is a table');
    await expect.poll(() => reply.getAttribute('data-status'), { timeout: 30_000 }).toBe('done');
    const reasoning = reply.locator('details');
    expect(await reasoning.locator('summary').textContent()).toBe('Reasoning');
    expect(await reasoning.getAttribute('open')).toBeNull();
    await reasoning.locator('summary').click();
    await reasoning.getByText('The user wants the Fibonacci numbers').waitFor();
    expect(await reply.getByRole('table').locator('td').allTextContents()).toEqual(['1', '1', '10', '55']);
    expect(await reply.locator('strong').textContent()).toBe('table');
    expect(await reply.getByRole('math').textContent()).toBe('Fₙ ≈ φⁿ/√5');
    // Model output is text, never markup.
    expect(await reply.locator('script').count()).toBe(0);
    await reply.getByText('<script>alert(1)</script>').waitFor();
    await reply.getByRole('button', { name: 'Copy python' }).click();
    await reply.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toContain('def fib(n):\n    # dynamic programming');
    await expect.poll(() => reply.getByTestId('stats').textContent()).toMatch(/40\.0 tok\/s.*qwen3:0\.6b.*think true/);

    await page.setViewportSize({ width: 1400, height: 1300 });
    await transcript.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await docScreenshot(page, 'playground');
    await page.close();
  });

  it('an error mid-stream keeps what arrived and says what happened', async () => {
    const page = await openPlayground();
    await page.getByRole('button', { name: '+ New chat' }).click();
    await pickBackend(page, ollamaLabel, 'phi4-mini:latest');
    fake.script({ content: 'Step one. Step two. Step three.', error: { message: 'llama runner process has terminated: signal: killed', afterChunks: 2 } });
    await composer(page).fill('Three steps');
    await composer(page).press('Enter');
    const reply = lastReply(page);
    await expect.poll(() => reply.getAttribute('data-status')).toBe('error');
    expect(await reply.getByRole('group', { name: 'Answer' }).textContent()).toBe('Step one.');
    const box = reply.getByRole('alert');
    expect(await box.textContent()).toContain('The reply failed');
    expect(await box.textContent()).toContain('llama runner process has terminated');
    expect(await box.textContent()).toContain('What arrived before the error is kept.');
    // The conversation goes on.
    fake.script({ content: 'Recovered.' });
    await composer(page).fill('Again');
    await composer(page).press('Enter');
    await expect.poll(() => lastReply(page).getByRole('group', { name: 'Answer' }).textContent()).toBe('Recovered.');
    await page.close();
  });

  it('compare: one prompt to the embedded engine and Ollama, streaming side by side with their own stats', async () => {
    const page = await openPlayground();
    await page.getByRole('tab', { name: 'Compare' }).click();
    const targets = page.getByRole('group', { name: 'Backends to compare' });
    await targets.getByLabel('Backend 1').selectOption({ label: embeddedLabel });
    await targets.getByLabel('Backend 2').selectOption({ label: ollamaLabel });
    await expect.poll(() => targets.getByLabel('Model 2').locator('option').allTextContents()).toContain('phi4-mini:latest');
    await targets.getByLabel('Model 2').selectOption('phi4-mini:latest');
    fake.script({ content: 'I am phi4-mini, served by Ollama.' });
    await composer(page).fill('Hello! Who are you?');
    await composer(page).press('Enter');
    const panes = page.getByTestId('compare-pane');
    await expect.poll(() => panes.count()).toBe(2);
    await expect.poll(() => panes.nth(0).getByTestId('message-assistant').getByRole('group', { name: 'Answer' }).textContent()).toBe(TINY_ANSWER);
    await expect.poll(() => panes.nth(1).getByTestId('message-assistant').getByRole('group', { name: 'Answer' }).textContent()).toBe('I am phi4-mini, served by Ollama.');
    await expect.poll(() => panes.nth(0).getByTestId('stats').textContent()).toContain('13 tokens');
    expect(await panes.nth(0).getByTestId('stats').textContent()).toContain(embeddedLabel);
    await expect.poll(() => panes.nth(1).getByTestId('stats').textContent()).toMatch(/40\.0 tok\/s.*phi4-mini:latest/);
    // Both panes are saved conversations, marked as a comparison.
    await expect.poll(() => page.getByRole('navigation', { name: 'Conversations' }).getByText('compare', { exact: true }).count()).toBe(2);
    await page.close();
  });

  it('a long conversation renders only what is on screen, and sticks to the bottom until the user scrolls up', async () => {
    const page = await openPlayground(`?c=${LONG_ID}`);
    const transcript = page.getByTestId('transcript');
    await transcript.getByText(`Question ${TURNS}?`).waitFor();
    const rendered = await transcript.locator('article').count();
    expect(rendered).toBeGreaterThan(2);
    // 160 messages, of which a screenful plus some margin is in the page.
    expect(rendered).toBeLessThan(50);
    await transcript.evaluate((el) => (el.scrollTop = 0));
    await transcript.getByText('Question 1?', { exact: true }).waitFor();
    expect(await transcript.getByText(`Question ${TURNS}?`).count()).toBe(0);
    await page.getByRole('button', { name: '↓ Jump to latest' }).click();
    await transcript.getByText(`Question ${TURNS}?`).waitFor();

    // A reply streams over the slow link; the view follows it...
    await composer(page).fill('And number 201?');
    await composer(page).press('Enter');
    const reply = lastReply(page);
    await expect.poll(async () => (await reply.getByRole('group', { name: 'Answer' }).textContent())!.length, { timeout: 15_000 }).toBeGreaterThan(5);
    const gap = () => transcript.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    expect(await gap()).toBeLessThan(40);
    // ...until the user scrolls up to read: then it stays where the user is.
    await transcript.hover();
    await page.mouse.wheel(0, -1500);
    await page.getByRole('button', { name: '↓ Jump to latest' }).waitFor();
    // What the user is reading: the first message whose top is inside the view.
    const reading = () =>
      transcript.evaluate((el) => {
        const top = el.getBoundingClientRect().top;
        const visible = [...el.querySelectorAll('article')].find((a) => a.getBoundingClientRect().top >= top);
        return visible?.textContent?.slice(0, 40) ?? '';
      });
    const before = await reading();
    expect(before).not.toBe('');
    await expect.poll(() => reply.getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
    expect(await reading()).toBe(before);
    expect(await gap()).toBeGreaterThan(500);
    await page.getByRole('button', { name: '↓ Jump to latest' }).click();
    await expect.poll(gap).toBeLessThan(40);
    expect(await reply.getByRole('group', { name: 'Answer' }).textContent()).toBe(TINY_ANSWER);
    await page.close();
  });

  it('fits 1024x700 and 1440x900: no sideways scrolling, a wide chat column and prompt box, every panel reachable', async () => {
    const page = await openPlayground(`?c=${LONG_ID}`);
    await page.getByTestId('transcript').getByText(`Question ${TURNS}?`).waitFor();
    const settings = page.getByRole('complementary', { name: 'Chat settings' });
    const width = async (l: ReturnType<Page['getByRole']>) => (await l.boundingBox())!.width;
    for (const [w, h] of [
      [1024, 700],
      [1440, 900],
    ]) {
      await page.setViewportSize({ width: w, height: h });
      // Nothing scrolls sideways: neither the page pane nor the settings panel (a long backend name used to widen it).
      await expect.poll(() => page.getByRole('main').evaluate((m) => m.scrollWidth - m.clientWidth)).toBeLessThanOrEqual(0);
      expect(await settings.evaluate((s) => s.scrollWidth - s.clientWidth)).toBeLessThanOrEqual(0);
      const panel = (await settings.boundingBox())!;
      const backend = (await settings.getByLabel('Backend', { exact: true }).boundingBox())!;
      expect(backend.x + backend.width).toBeLessThanOrEqual(panel.x + panel.width + 1);
      // The chat keeps most of the width, and the prompt box has room for a few lines.
      expect(await width(page.getByTestId('transcript'))).toBeGreaterThanOrEqual(w === 1024 ? 450 : 600);
      const box = (await composer(page).boundingBox())!;
      expect(box.width).toBeGreaterThanOrEqual(w === 1024 ? 380 : 550);
      expect(box.height).toBeGreaterThanOrEqual(60);
      // The conversation list is still on screen (under the settings when narrow).
      const list = (await page.getByRole('navigation', { name: 'Conversations' }).boundingBox())!;
      expect(list.y + 40).toBeLessThanOrEqual(h);
      expect(list.x + list.width).toBeLessThanOrEqual(w);
    }
    await page.close();
  });

  it('searches, renames, exports and deletes conversations', async () => {
    const page = await openPlayground();
    const list = page.getByRole('navigation', { name: 'Conversations' });
    await page.getByLabel('Search conversations').fill('phi4-mini, served');
    await expect.poll(() => list.getByRole('listitem').count()).toBe(1);
    await list.getByRole('button', { name: /Compare: Hello! Who are you\?/ }).click();
    await list.getByRole('button', { name: 'Rename' }).click();
    await list.getByLabel('New title').fill('Engine vs Ollama');
    await list.getByLabel('New title').press('Enter');
    await list.getByRole('button', { name: /Engine vs Ollama/ }).waitFor();

    const [md] = await Promise.all([page.waitForEvent('download'), list.getByRole('button', { name: 'Export .md' }).click()]);
    expect(md.suggestedFilename()).toMatch(/^\d{4}-\d{2}-\d{2}-engine-vs-ollama\.md$/);
    const text = readFileSync((await md.path())!, 'utf8');
    expect(text).toContain('# Engine vs Ollama');
    expect(text).toContain('## Assistant\n\nI am phi4-mini, served by Ollama.');
    const [json] = await Promise.all([page.waitForEvent('download'), list.getByRole('button', { name: 'Export .json' }).click()]);
    expect(JSON.parse(readFileSync((await json.path())!, 'utf8'))).toMatchObject({ title: 'Engine vs Ollama', backendLabel: ollamaLabel });

    await list.getByRole('button', { name: 'Delete' }).click();
    await list.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => list.getByText('Nothing matches.').count()).toBe(1);
    await page.getByLabel('Search conversations').fill('');
    await list.getByRole('button', { name: /A very long conversation/ }).waitFor();
    expect(await list.getByRole('button', { name: /Engine vs Ollama/ }).count()).toBe(0);
    await page.close();
  });

  it('a reply stopped at the Max tokens limit says so in its stats', async () => {
    const page = await openPlayground();
    await page.getByRole('button', { name: '+ New chat' }).click();
    await pickBackend(page, embeddedLabel);
    await page.getByLabel('Max tokens').fill('3');
    await composer(page).fill('Hello! Who are you?');
    await composer(page).press('Enter');
    const stats = lastReply(page).getByTestId('stats');
    await expect.poll(() => stats.textContent()).toContain('cut off at Max tokens');
    // The start of the model's known answer, not all of it.
    const answer = (await lastReply(page).getByRole('group', { name: 'Answer' }).textContent())!;
    expect(answer.length).toBeGreaterThan(0);
    expect(answer.length).toBeLessThan(TINY_ANSWER.length);
    expect(TINY_ANSWER.startsWith(answer)).toBe(true);
    await page.close();
  });

  it('with no server reachable, one click starts the embedded engine and the chat answers', async () => {
    const emptyHome = tempHome('slm-deck-playground-empty-');
    writeFileSync(path.join(emptyHome, 'settings.json'), JSON.stringify({ version: 1, ollamaUrl: 'http://127.0.0.1:9' }));
    const bare = await startServe({ home: emptyHome, args: ['--no-embedded'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`${bare.openUrl}#/playground`);
      await page.getByRole('status').filter({ hasText: 'Cannot reach Ollama at http://127.0.0.1:9' }).waitFor();
      await page.getByRole('button', { name: 'Use the embedded engine instead (no Docker needed)' }).click();
      await expect.poll(() => page.getByLabel('Backend', { exact: true }).locator('option:checked').textContent(), { timeout: 60_000 }).toMatch(/^Embedded · /);
      await composer(page).fill('Hello! Who are you?');
      await composer(page).press('Enter');
      await expect.poll(() => lastReply(page).getByRole('group', { name: 'Answer' }).textContent()).toBe(TINY_ANSWER);
      await page.close();
    } finally {
      await bare.stop();
    }
  });
});
