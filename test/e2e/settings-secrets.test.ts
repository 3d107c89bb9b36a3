import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { startServe, tempHome, type Served } from '../helpers/serve';

let browser: Browser;
let served: Served | undefined;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await served?.stop();
  await browser?.close();
});

describe('Settings: how the Hugging Face token is kept', () => {
  it('says where the token is stored, and reports a stored token it cannot read instead of dropping it', async () => {
    const home = tempHome();
    // Something unreadable where the token file should be.
    mkdirSync(path.join(home, 'secrets', 'hf-token.secret'), { recursive: true });
    served = await startServe({ home });
    const page = await browser.newPage();
    await page.goto(`${served.openUrl}#/settings`);
    await expect.poll(() => page.getByTestId('secret-storage').textContent()).toContain('Stored in a file only your user can read.');
    await expect.poll(() => page.getByTestId('secret-problem').textContent()).toMatch(/The stored hf-token in .*hf-token\.secret could not be read \(EISDIR/);
    await page.close();
  });
});
