import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SafeStorage } from 'electron';
import type { SecretStorage } from '../shared/contract/app';
import { writeFileAtomic } from '../core/fs/atomic';
import { FileSecretStore, isMissing, type SecretStore } from '../core/settings/secret-store';

type Safe = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'>;

/** Desktop secrets: encrypted through Electron's safeStorage (Keychain, DPAPI, libsecret/KWallet). */
export class SafeStorageSecretStore implements SecretStore {
  private problem: string | null = null;
  constructor(
    private dir: string,
    private safe: Safe,
    private platform: NodeJS.Platform = process.platform,
  ) {}
  describe(): SecretStorage {
    if (this.platform === 'darwin') return { kind: 'keychain', backend: 'macOS Keychain', problem: this.problem };
    if (this.platform === 'win32') return { kind: 'keychain', backend: 'Windows DPAPI', problem: this.problem };
    const backend = this.safe.getSelectedStorageBackend();
    // basic_text: no keyring was found, so Chromium encrypts with a key built into it.
    return { kind: backend === 'basic_text' ? 'fixed-key' : 'keychain', backend, problem: this.problem };
  }
  private file(name: string): string {
    return path.join(this.dir, `${name}.enc`);
  }
  async get(name: string): Promise<string | null> {
    let data: Buffer;
    try {
      data = await fs.readFile(this.file(name));
    } catch (e) {
      if (!isMissing(e)) this.problem = `The stored ${name} in ${this.file(name)} could not be read (${(e as Error).message}).`;
      return null;
    }
    try {
      return this.safe.decryptString(data);
    } catch (e) {
      // Typically another keyring than the one that encrypted it (a new desktop session, a reset keyring).
      this.problem = `The stored ${name} could not be decrypted with ${this.describe().backend} (${(e as Error).message}). It was kept in ${this.file(name)}; store it again to replace it.`;
      return null;
    }
  }
  async set(name: string, value: string | null): Promise<void> {
    if (!value) await fs.rm(this.file(name), { force: true });
    else await writeFileAtomic(this.file(name), this.safe.encryptString(value), 0o600);
    this.problem = null;
  }
}

/** safeStorage when it can encrypt (after the app is ready), else the headless mode's 0600 file. */
export function desktopSecretStore(home: string, safe: Safe, platform: NodeJS.Platform = process.platform): SecretStore {
  const dir = path.join(home, 'secrets');
  return safe.isEncryptionAvailable() ? new SafeStorageSecretStore(dir, safe, platform) : new FileSecretStore(dir);
}
