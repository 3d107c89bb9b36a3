import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../electron/core/events/event-bus';
import { BACKUPS_KEPT, readJsonOrRecover, recoverTemps } from '../../electron/core/fs/atomic';
import { silentLogger } from '../../electron/core/log/logger';
import { FileSecretStore } from '../../electron/core/settings/secret-store';
import { SettingsService } from '../../electron/core/settings/settings-service';

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'slm-atomic-'));

describe('interrupted writes', () => {
  it('recovers a complete temp file newer than its target (fsynced, not yet renamed) instead of deleting it', async () => {
    const d = dir();
    const target = path.join(d, 'c1.json');
    writeFileSync(target, '{"v":1}');
    utimesSync(target, new Date(Date.now() - 5000), new Date(Date.now() - 5000));
    writeFileSync(`${target}.0123abcd.tmp`, '{"v":2}');
    const r = await recoverTemps(d);
    expect(r.recovered).toEqual([target]);
    expect(readFileSync(target, 'utf8')).toBe('{"v":2}');
    expect(existsSync(`${target}.0123abcd.tmp`)).toBe(false);
  });

  it('keeps the target when the temp file is incomplete or older, and deletes only old temp files', async () => {
    const d = dir();
    const target = path.join(d, 'c2.json');
    writeFileSync(target, '{"v":1}');
    writeFileSync(`${target}.00000001.tmp`, '{"v":2, "half');
    const old = new Date(Date.now() - 2 * 3600_000);
    writeFileSync(`${target}.00000002.tmp`, '{"v":0}');
    utimesSync(`${target}.00000002.tmp`, old, old);
    const r = await recoverTemps(d);
    expect(r.recovered).toEqual([]);
    expect(r.removed).toEqual([`${target}.00000002.tmp`]);
    expect(readFileSync(target, 'utf8')).toBe('{"v":1}');
    // Young and incomplete: perhaps another process writing right now.
    expect(existsSync(`${target}.00000001.tmp`)).toBe(true);
  });

  it('keeps the last few backups of a corrupt file, not only one', async () => {
    const d = dir();
    const file = path.join(d, 'settings.json');
    for (let i = 1; i <= BACKUPS_KEPT + 1; i++) {
      writeFileSync(file, `{broken ${i}`);
      expect(await readJsonOrRecover(file)).toMatchObject({ kind: 'corrupt', backupPath: `${file}.bak` });
    }
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(`{broken ${BACKUPS_KEPT + 1}`);
    expect(readFileSync(`${file}.bak.1`, 'utf8')).toBe(`{broken ${BACKUPS_KEPT}`);
    expect(readFileSync(`${file}.bak.${BACKUPS_KEPT - 1}`, 'utf8')).toBe('{broken 2');
    expect(existsSync(`${file}.bak.${BACKUPS_KEPT}`)).toBe(false);
  });
});

describe('settings after a crash between fsync and rename', () => {
  it('loads the recovered newer settings', async () => {
    const home = dir();
    const make = () => new SettingsService(home, new FileSecretStore(path.join(home, 'secrets')), new EventBus(), silentLogger);
    await make().load();
    const file = path.join(home, 'settings.json');
    const old = new Date(Date.now() - 5000);
    utimesSync(file, old, old);
    const next = { ...JSON.parse(readFileSync(file, 'utf8')), theme: 'dark' };
    writeFileSync(`${file}.89abcdef.tmp`, JSON.stringify(next));
    expect((await make().load()).settings.theme).toBe('dark');
  });
});
