import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../electron/core/events/event-bus';
import { silentLogger } from '../../electron/core/log/logger';
import { SettingsService } from '../../electron/core/settings/settings-service';
import { linkPolicy } from '../../electron/main/links';
import { desktopSecretStore } from '../../electron/main/safe-storage-secrets';
import { fakeElectron, type FakeElectronOptions } from '../fakes/electron';
import { tempHome } from '../helpers/serve';

const TOKEN = 'hf_abcdefghijklmnopqrstuvwx';

describe('link policy', () => {
  it.each([
    ['https://huggingface.co/microsoft/Phi-4-mini-instruct-onnx', 'open'],
    ['https://docs.docker.com/engine/install/', 'open'],
    ['https://docs.vllm.ai/en/latest/', 'open'],
    ['https://github.com/ollama/ollama/blob/main/docs/api.md', 'open'],
    ['https://github.com/someone/malware', 'confirm'],
    ['http://huggingface.co/', 'confirm'],
    ['https://huggingface.co.evil.example/', 'confirm'],
    ['https://user:pw@huggingface.co/', 'confirm'],
    ['http://127.0.0.1:8000/v1/models', 'confirm'],
    ['file:///etc/passwd', 'refuse'],
    ['javascript:alert(1)', 'refuse'],
    ['slm-deck://x', 'refuse'],
    ['not a url', 'refuse'],
  ])('%s -> %s', (url, action) => {
    expect(linkPolicy(url).action).toBe(action);
  });

  it('shows the host the browser would really go to', () => {
    expect(linkPolicy('https://huggingface.co@evil.example/x')).toMatchObject({ action: 'confirm', host: 'evil.example' });
    expect(linkPolicy('https://huggіngface.co/')).toMatchObject({ action: 'confirm', host: 'xn--huggngface-02i.co' });
    expect(linkPolicy('http://127.0.0.1:3000/')).toMatchObject({ host: '127.0.0.1:3000' });
  });
});

describe('desktop secret storage', () => {
  const settings = (home: string, safe: FakeElectronOptions['safeStorage'] = {}) =>
    new SettingsService(home, desktopSecretStore(home, fakeElectron({ safeStorage: safe }).electron.safeStorage, 'linux'), new EventBus(), silentLogger);

  it('says when Linux has no keyring and safeStorage falls back to basic_text', async () => {
    const home = tempHome();
    const state = await settings(home, { getSelectedStorageBackend: () => 'basic_text' }).load();
    expect(state.secretStorage).toEqual({ kind: 'fixed-key', backend: 'basic_text', problem: null });
    const keyring = await settings(tempHome()).load();
    expect(keyring.secretStorage).toEqual({ kind: 'keychain', backend: 'gnome_libsecret', problem: null });
  });

  it('reports a token it cannot decrypt and keeps its file, until a new one replaces it', async () => {
    const home = tempHome();
    const first = settings(home);
    await first.load();
    await first.setHfToken(TOKEN);
    expect(readFileSync(path.join(home, 'secrets', 'hf-token.enc'), 'utf8')).toBe(`enc:${TOKEN}`);

    // Another keyring than the one that encrypted it.
    const broken = settings(home, { decryptString: () => { throw new Error('Error while decrypting the ciphertext'); } });
    const state = await broken.load();
    expect(state.settings.hfTokenSet).toBe(false);
    expect(state.secretStorage.problem).toMatch(/could not be decrypted with gnome_libsecret \(Error while decrypting the ciphertext\)\. It was kept in .*hf-token\.enc; store it again/);
    expect(existsSync(path.join(home, 'secrets', 'hf-token.enc'))).toBe(true);

    const replaced = await broken.setHfToken('hf_zyxwvutsrqponmlkjihgfedcba');
    expect(replaced.secretStorage.problem).toBeNull();
    expect(replaced.settings.hfTokenSet).toBe(true);
  });

  it('uses the 0600 file of headless mode when safeStorage cannot encrypt, and says so', async () => {
    const home = tempHome();
    const s = settings(home, { isEncryptionAvailable: () => false });
    await s.load();
    const state = await s.setHfToken(TOKEN);
    expect(state.secretStorage).toEqual({ kind: 'file', backend: 'file', problem: null });
    expect(readFileSync(path.join(home, 'secrets', 'hf-token.secret'), 'utf8')).toBe(TOKEN);
  });

  it('an unreadable token file is a problem, not a missing token', async () => {
    const home = tempHome();
    mkdirSync(path.join(home, 'secrets', 'hf-token.enc'), { recursive: true });
    writeFileSync(path.join(home, 'settings.json'), '{}');
    const state = await settings(home).load();
    expect(state.secretStorage.problem).toMatch(/could not be read \(EISDIR/);
  });
});
