import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../electron/core/fs/atomic';
import { EventBus } from '../../electron/core/events/event-bus';
import { createLogger, FileSink, silentLogger } from '../../electron/core/log/logger';
import { FileSecretStore } from '../../electron/core/settings/secret-store';
import { SettingsService } from '../../electron/core/settings/settings-service';
import { SETTINGS_DEFAULTS } from '../../electron/shared/contract/app';
import { tempHome } from '../helpers/serve';

function service(home: string) {
  return new SettingsService(home, new FileSecretStore(path.join(home, 'secrets')), new EventBus(), silentLogger);
}

describe('settings', () => {
  it('loads defaults on first start and writes the file', async () => {
    const home = tempHome();
    const state = await service(home).load();
    expect(state.settings).toEqual(SETTINGS_DEFAULTS);
    expect(JSON.parse(await fs.readFile(path.join(home, 'settings.json'), 'utf8')).bindHost).toBe('127.0.0.1');
  });

  it('keeps a change across restarts', async () => {
    const home = tempHome();
    await (await loaded(home)).set({ registryMirror: 'localhost:5000', theme: 'dark' });
    const again = await service(home).load();
    expect(again.settings.registryMirror).toBe('localhost:5000');
    expect(again.settings.theme).toBe('dark');
  });

  it('migrates an unversioned file', async () => {
    const home = tempHome();
    await fs.writeFile(path.join(home, 'settings.json'), JSON.stringify({ mirror: 'mirror.local:5000', publishHost: '0.0.0.0', theme: 'light' }));
    const state = await service(home).load();
    expect(state.settings).toMatchObject({ version: 1, registryMirror: 'mirror.local:5000', bindHost: '0.0.0.0', theme: 'light' });
    expect(state.recovered).toBeNull();
  });

  it('keeps a corrupt file as .bak, loads defaults and says so', async () => {
    const home = tempHome();
    const file = path.join(home, 'settings.json');
    await fs.writeFile(file, '{"theme": "dark",,,');
    const state = await service(home).load();
    expect(state.settings).toEqual(SETTINGS_DEFAULTS);
    expect(state.recovered?.backupPath).toBe(`${file}.bak`);
    expect(await fs.readFile(`${file}.bak`, 'utf8')).toBe('{"theme": "dark",,,');
  });

  it('treats invalid values like corruption: backed up, defaults loaded', async () => {
    const home = tempHome();
    await fs.writeFile(path.join(home, 'settings.json'), JSON.stringify({ version: 1, bindHost: 42 }));
    const state = await service(home).load();
    expect(state.recovered?.reason).toMatch(/bindHost/);
    expect(JSON.parse(await fs.readFile(path.join(home, 'settings.json.bak'), 'utf8')).bindHost).toBe(42);
  });

  it('writes atomically: no temp files left, and a failed write leaves the target and no temp file', async () => {
    const home = tempHome();
    const s = await loaded(home);
    await s.set({ theme: 'dark' });
    expect((await fs.readdir(home)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // A rename onto a non-empty directory fails after the temp file was written.
    const blocked = path.join(home, 'blocked');
    await fs.mkdir(path.join(blocked, 'inside'), { recursive: true });
    await expect(writeFileAtomic(blocked, 'data')).rejects.toThrow();
    expect((await fs.readdir(home)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await fs.readdir(blocked)).toEqual(['inside']);
  });

  it('stores the Hugging Face token in a 0600 file, never in settings.json or the log', async () => {
    const home = tempHome();
    const logFile = path.join(home, 'logs', 'test.log');
    const s = new SettingsService(home, new FileSecretStore(path.join(home, 'secrets')), new EventBus(), createLogger([new FileSink(logFile)]));
    await s.load();
    const token = 'hf_abcdefghijklmnopqrstuvwxyz0123';
    const state = await s.setHfToken(token);
    expect(state.settings.hfTokenSet).toBe(true);
    expect(JSON.stringify(state)).not.toContain(token);
    expect(await fs.readFile(path.join(home, 'settings.json'), 'utf8')).not.toContain(token);
    const stat = await fs.stat(path.join(home, 'secrets', 'hf-token.secret'));
    expect(stat.mode & 0o777).toBe(0o600);
    expect(await s.hfToken()).toBe(token);
    await s.set({ theme: 'dark' });
    expect(await fs.readFile(logFile, 'utf8')).not.toContain(token);
    await expect(s.setHfToken('not-a-token')).rejects.toMatchObject({ code: 'invalid_input' });
    expect((await s.setHfToken('')).settings.hfTokenSet).toBe(false);
  });
});

async function loaded(home: string) {
  const s = service(home);
  await s.load();
  return s;
}
