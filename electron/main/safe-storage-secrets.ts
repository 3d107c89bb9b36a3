import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SafeStorage } from 'electron';
import { writeFileAtomic } from '../core/fs/atomic';
import type { SecretStore } from '../core/settings/secret-store';

/** Desktop secrets: encrypted with the OS keychain through Electron's safeStorage. */
export class SafeStorageSecretStore implements SecretStore {
  constructor(
    private dir: string,
    private safe: SafeStorage,
  ) {}
  private file(name: string): string {
    return path.join(this.dir, `${name}.enc`);
  }
  async get(name: string): Promise<string | null> {
    try {
      return this.safe.decryptString(await fs.readFile(this.file(name)));
    } catch {
      return null;
    }
  }
  async set(name: string, value: string | null): Promise<void> {
    if (!value) return fs.rm(this.file(name), { force: true });
    await writeFileAtomic(this.file(name), this.safe.encryptString(value), 0o600);
  }
}
