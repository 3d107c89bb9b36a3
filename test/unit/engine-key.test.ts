import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineKeyFile, ensureEngineKey, readEngineKey, removeEngineKey } from '../../electron/core/docker/secret-mounts';
import { tempHome } from '../helpers/serve';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('an engine deployment API key file', () => {
  it('is made once per deployment, random, in a 0700 folder, and removed with the deployment', async () => {
    const root = path.join(tempHome(), 'container-secrets', 'engine');
    const file = await ensureEngineKey(root, 'edge');
    expect(file).toBe(path.join(root, 'edge', 'api-key'));
    const key = readFileSync(file, 'utf8');
    // 32 random bytes; the engine refuses keys under 16 characters.
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mode(root)).toBe(0o700);
    expect(mode(path.dirname(file))).toBe(0o700);
    // Readable by the container's user (not the file's owner); the 0700 folder keeps other host users out.
    expect(mode(file)).toBe(0o644);

    // A redeploy keeps it; another deployment gets its own.
    expect(await ensureEngineKey(root, 'edge')).toBe(file);
    expect(await readEngineKey(root, 'edge')).toBe(key);
    await ensureEngineKey(root, 'other');
    expect(await readEngineKey(root, 'other')).not.toBe(key);

    await removeEngineKey(root, 'edge');
    expect(existsSync(path.dirname(file))).toBe(false);
    expect(await readEngineKey(root, 'edge')).toBeNull();
    expect(await readEngineKey(root, 'other')).not.toBeNull();
  });

  it('never leaves its folder for a deployment name', () => {
    expect(() => engineKeyFile('/keys', '..')).toThrow(/not a valid name/);
    expect(() => engineKeyFile('/keys', '../etc')).toThrow(/not a valid name/);
  });
});
