import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricsSnapshot } from '../../electron/shared/contract/metrics';
import { ROOT, tempHome } from '../helpers/serve';

const cli = (args: string[], home: string) =>
  spawnSync(process.execPath, [path.join(ROOT, 'bin', 'slm-deck.js'), ...args], {
    env: { ...process.env, SLM_DECK_HOME: home },
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('slm-deck monitor (built CLI)', () => {
  it('--json prints the samples of the run: host CPU, every core and memory, rows on the 1 s grid', () => {
    const r = cli(['--json', 'monitor', '--seconds', '3', '--scope', 'host'], tempHome());
    expect(r.status, r.stderr).toBe(0);
    const snap = JSON.parse(r.stdout) as MetricsSnapshot;
    expect(snap.intervalMs).toBe(1000);
    expect(snap.at.length).toBeGreaterThanOrEqual(3);
    // Rows sit on the 1 s grid (a tick delayed past its slot on a loaded machine leaves a missing row, never an off-grid one).
    for (let i = 1; i < snap.at.length; i++) {
      expect(snap.at[i] - snap.at[i - 1]).toBeGreaterThanOrEqual(1000);
      expect(snap.at[i] % 1000).toBe(0);
    }
    const ids = snap.series.map((s) => s.id);
    expect(ids).toContain('host.cpu');
    expect(ids).toContain('host.cpu.0');
    const mem = snap.series.find((s) => s.id === 'host.mem.used')!;
    expect(mem.values.every((v) => v !== null && v > 0 && v < mem.max!)).toBe(true);
    expect(snap.series.find((s) => s.id === 'host.cpu')!.values.slice(1).every((v) => v !== null && v >= 0 && v <= 100)).toBe(true);
  });

  it('--csv prints a header with units and a row per sample; --interval is kept for the next run', () => {
    const home = tempHome();
    const r = cli(['monitor', '--seconds', '2', '--scope', 'host', '--interval', '500', '--csv'], home);
    expect(r.status, r.stderr).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split('\r\n');
    expect(header.startsWith('time,CPU (%),Core 0 (%)')).toBe(true);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    const again = cli(['--json', 'monitor', '--seconds', '1', '--scope', 'host'], home);
    expect((JSON.parse(again.stdout) as MetricsSnapshot).intervalMs).toBe(500);
  });

  it('rejects bad options with a hint', () => {
    const r = cli(['monitor', '--scope', 'disk'], tempHome());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Unknown scope "disk"');
    expect(r.stderr).toMatch(/hint: Scopes: host, gpu, containers, engines/);
    const e = cli(['monitor', '--engine', 'tgi=http://127.0.0.1:1'], tempHome());
    expect(e.status).toBe(1);
    expect(e.stderr).toMatch(/hint: Use KIND=URL/);
  });
});
