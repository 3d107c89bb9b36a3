import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic';

/** Where the Hugging Face token is kept. The desktop app supplies an Electron safeStorage one. */
export interface SecretStore {
  get(name: string): Promise<string | null>;
  set(name: string, value: string | null): Promise<void>;
}

/** Serve/CLI mode: one 0600 file per secret under <home>/secrets. */
export class FileSecretStore implements SecretStore {
  constructor(private dir: string) {}
  private file(name: string): string {
    return path.join(this.dir, `${name}.secret`);
  }
  async get(name: string): Promise<string | null> {
    try {
      return (await fs.readFile(this.file(name), 'utf8')) || null;
    } catch {
      return null;
    }
  }
  async set(name: string, value: string | null): Promise<void> {
    if (!value) {
      await fs.rm(this.file(name), { force: true });
      return;
    }
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file(name), value, 0o600);
  }
}
