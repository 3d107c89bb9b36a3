import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './serve';

/**
 * Takes the screenshot a doc page shows. `npm run screenshots` (SLM_DECK_SCREENSHOTS=1) writes
 * it to the tracked docs/NAME.png; an ordinary test run writes it under test-results/ so the
 * tree stays clean.
 */
export async function docScreenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  const dir = process.env.SLM_DECK_SCREENSHOTS === '1' ? path.join(ROOT, 'docs') : path.join(ROOT, 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: opts.fullPage });
  return file;
}
