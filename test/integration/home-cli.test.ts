import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, tempHome } from '../helpers/serve';

const run = promisify(execFile);

/**
 * The CLI and the desktop app share one home: a folder the desktop app used to keep on Linux
 * (~/.config/SLM Deck) is moved in by whichever starts first, here the real CLI.
 */
describe('one home: the CLI finds what the desktop app stored', () => {
  it("moves the desktop app's old folder in once, logs it, and shows the desktop's setting", async () => {
    const cfg = tempHome('slm-deck-xdg-');
    const legacy = path.join(cfg, 'SLM Deck');
    mkdirSync(legacy, { recursive: true });
    writeFileSync(path.join(legacy, 'settings.json'), JSON.stringify({ version: 1, registryMirror: 'mirror.example:5000' }));
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: cfg };
    delete env.SLM_DECK_HOME;

    const first = await run(process.execPath, [path.join(ROOT, 'bin', 'slm-deck.js'), 'settings', 'get', 'registryMirror'], { env });
    expect(first.stdout.trim()).toBe('mirror.example:5000');
    const home = path.join(cfg, 'slm-deck');
    expect(existsSync(legacy)).toBe(false);
    const log = readFileSync(path.join(home, 'logs', 'slm-deck.log'), 'utf8');
    expect(log.match(/moved the old data folder into the home/g)).toHaveLength(1);
    expect(log).toContain(JSON.stringify(legacy).slice(1, -1));

    await run(process.execPath, [path.join(ROOT, 'bin', 'slm-deck.js'), 'settings', 'get', 'registryMirror'], { env });
    expect(readFileSync(path.join(home, 'logs', 'slm-deck.log'), 'utf8').match(/moved the old data folder into the home/g)).toHaveLength(1);
  });
});
