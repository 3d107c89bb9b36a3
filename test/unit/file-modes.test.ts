import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/app-core';
import { tempHome } from '../helpers/serve';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('files other users must not read', () => {
  it('creates SLM_DECK_HOME 0700 and the log 0600', async () => {
    const home = path.join(tempHome(), 'nested', 'slm-deck');
    const core = await createCore({ home });
    core.log.info('hello');
    expect(mode(home)).toBe(0o700);
    expect(existsSync(core.logPath)).toBe(true);
    expect(mode(core.logPath)).toBe(0o600);
    expect(mode(path.dirname(core.logPath))).toBe(0o700);
    await core.close();
  });

  it('tightens a world-readable home left by an earlier version', async () => {
    const home = path.join(tempHome(), 'old');
    mkdirSync(home);
    chmodSync(home, 0o755);
    const core = await createCore({ home });
    expect(mode(home)).toBe(0o700);
    await core.close();
  });
});
