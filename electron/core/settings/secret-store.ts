import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SecretStorage } from '../../shared/contract/app';
import { writeFileAtomic } from '../fs/atomic';

/** Where the Hugging Face token is kept. The desktop app supplies an Electron safeStorage one. */
export interface SecretStore {
  get(name: string): Promise<string | null>;
  set(name: string, value: string | null): Promise<void>;
  /** How the secrets are protected, and the last read failure (a stored secret that could not be read). */
  describe(): SecretStorage;
}

/** A missing secret is null; any other read failure is a problem to report, not a missing token. */
export function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** Serve/CLI mode: one 0600 file per secret under <home>/secrets. */
export class FileSecretStore implements SecretStore {
  private problem: string | null = null;
  constructor(private dir: string) {}
  describe(): SecretStorage {
    return { kind: 'file', backend: 'file', problem: this.problem };
  }
  private file(name: string): string {
    return path.join(this.dir, `${name}.secret`);
  }
  async get(name: string): Promise<string | null> {
    try {
      return (await fs.readFile(this.file(name), 'utf8')) || null;
    } catch (e) {
      if (!isMissing(e)) this.problem = `The stored ${name} in ${this.file(name)} could not be read (${(e as Error).message}).`;
      return null;
    }
  }
  async set(name: string, value: string | null): Promise<void> {
    if (!value) await fs.rm(this.file(name), { force: true });
    else {
      await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.file(name), value, 0o600);
    }
    this.problem = null;
  }
}
