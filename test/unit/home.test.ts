import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { logMigration, prepareHome, resolveHome } from '../../electron/core/home';
import { tempHome } from '../helpers/serve';

function folder(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
}

function recorder() {
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  return {
    lines,
    info: (msg: string, fields?: Record<string, unknown>) => lines.push({ level: 'info', msg, fields }),
    warn: (msg: string, fields?: Record<string, unknown>) => lines.push({ level: 'warn', msg, fields }),
  };
}

describe('one home for the desktop app and the CLI', () => {
  it('is the same folder on each OS whoever asks, and SLM_DECK_HOME wins', () => {
    const cfg = tempHome();
    expect(resolveHome({ XDG_CONFIG_HOME: cfg }, 'linux')).toBe(path.join(cfg, 'slm-deck'));
    expect(resolveHome({ APPDATA: cfg }, 'win32')).toBe(path.join(cfg, 'SLM Deck'));
    expect(resolveHome({}, 'darwin')).toMatch(/Library[/\\]Application Support[/\\]SLM Deck$/);
    expect(resolveHome({ SLM_DECK_HOME: 'rel/home', XDG_CONFIG_HOME: cfg }, 'linux')).toBe(path.resolve('rel/home'));
  });

  it("moves the desktop app's old Linux folder in once, with a log line, and finds nothing to do the next time", () => {
    const cfg = tempHome();
    folder(path.join(cfg, 'SLM Deck'), { 'settings.json': '{"theme":"dark"}', 'conversations/a.json': '{}' });
    const env = { XDG_CONFIG_HOME: cfg };

    const first = prepareHome(env, 'linux');
    expect(first.home).toBe(path.join(cfg, 'slm-deck'));
    expect(readFileSync(path.join(first.home, 'settings.json'), 'utf8')).toBe('{"theme":"dark"}');
    expect(existsSync(path.join(first.home, 'conversations', 'a.json'))).toBe(true);
    expect(existsSync(path.join(cfg, 'SLM Deck'))).toBe(false);
    const log = recorder();
    logMigration(log, first);
    expect(log.lines).toEqual([{ level: 'info', msg: 'moved the old data folder into the home', fields: { from: path.join(cfg, 'SLM Deck'), to: first.home, moved: ['conversations', 'settings.json'] } }]);

    const second = prepareHome(env, 'linux');
    expect(second.migration).toBeNull();
    const quiet = recorder();
    logMigration(quiet, second);
    expect(quiet.lines).toEqual([]);
  });

  it('merges into a home the CLI already uses without overwriting, and keeps what both had aside', () => {
    const cfg = tempHome();
    folder(path.join(cfg, 'slm-deck'), { 'settings.json': 'cli', 'logs/slm-deck.log': 'cli log' });
    folder(path.join(cfg, 'SLM Deck'), { 'settings.json': 'desktop', 'models/phi/model.onnx': 'weights' });

    const p = prepareHome({ XDG_CONFIG_HOME: cfg }, 'linux');
    expect(readFileSync(path.join(p.home, 'settings.json'), 'utf8')).toBe('cli');
    expect(readFileSync(path.join(p.home, 'models', 'phi', 'model.onnx'), 'utf8')).toBe('weights');
    expect(p.migration).toMatchObject({ moved: ['models'], kept: ['settings.json'], keptIn: path.join(cfg, 'SLM Deck.old') });
    expect(readFileSync(path.join(cfg, 'SLM Deck.old', 'settings.json'), 'utf8')).toBe('desktop');
    const log = recorder();
    logMigration(log, p);
    expect(log.lines[0]).toMatchObject({ level: 'warn', fields: { keptIn: path.join(cfg, 'SLM Deck.old'), kept: ['settings.json'] } });
    expect(prepareHome({ XDG_CONFIG_HOME: cfg }, 'linux').migration).toBeNull();
  });

  it("moves the CLI's folder on Windows into the app's, and an empty home folder is no obstacle", () => {
    const cfg = tempHome();
    mkdirSync(path.join(cfg, 'SLM Deck'));
    folder(path.join(cfg, 'slm-deck'), { 'settings.json': 'cli' });
    const p = prepareHome({ APPDATA: cfg }, 'win32');
    expect(readFileSync(path.join(cfg, 'SLM Deck', 'settings.json'), 'utf8')).toBe('cli');
    expect(readdirSync(cfg)).toEqual(['SLM Deck']);
    expect(p.migration?.from).toBe(path.join(cfg, 'slm-deck'));
  });

  it("leaves a folder alone that SLM Deck did not write", () => {
    const cfg = tempHome();
    folder(path.join(cfg, 'slm-deck'), { 'notes.txt': 'someone else' });
    expect(prepareHome({ APPDATA: cfg }, 'win32').migration).toBeNull();
    expect(readFileSync(path.join(cfg, 'slm-deck', 'notes.txt'), 'utf8')).toBe('someone else');
  });

  it('never migrates with SLM_DECK_HOME, and a failed move is reported, not fatal', () => {
    const cfg = tempHome();
    folder(path.join(cfg, 'SLM Deck'), { 'settings.json': 'desktop' });
    const isolated = prepareHome({ SLM_DECK_HOME: path.join(cfg, 'test-home'), XDG_CONFIG_HOME: cfg }, 'linux');
    expect(isolated.migration).toBeNull();
    expect(existsSync(path.join(cfg, 'SLM Deck', 'settings.json'))).toBe(true);

    // A file where the home folder should be: the move fails, the start goes on and says why.
    writeFileSync(path.join(cfg, 'slm-deck'), 'not a folder');
    const failed = prepareHome({ XDG_CONFIG_HOME: cfg }, 'linux');
    expect(failed.migrationError).toMatch(/ENOTDIR|EEXIST|not a directory/i);
    const log = recorder();
    logMigration(log, failed);
    expect(log.lines[0]).toMatchObject({ level: 'warn', msg: 'could not move the old data folder into the home' });
  });
});
