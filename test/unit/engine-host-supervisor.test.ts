import { describe, expect, it } from 'vitest';
import type { EngineLauncher, LaunchedEngine, LaunchOptions } from '../../electron/core/engine-host/launcher';
import { EngineSupervisor, type RestartPolicy } from '../../electron/core/engine-host/supervisor';
import { silentLogger } from '../../electron/core/log/logger';
import type { EmbeddedStatus } from '../../electron/shared/contract/engine';
import { DeckError } from '../../electron/shared/errors';

/** A process that lives until the test crashes or stops it. */
class FakeProc implements LaunchedEngine {
  static nextPid = 1000;
  readonly pid = FakeProc.nextPid++;
  stopped = false;
  private resolveExit!: (code: number | null) => void;
  readonly exited = new Promise<number | null>((r) => (this.resolveExit = r));
  constructor(readonly port: number) {}
  crash(code: number | null = 134): void {
    this.resolveExit(code);
  }
  async stop(): Promise<void> {
    this.stopped = true;
    this.resolveExit(0);
  }
}

type Step = 'ok' | DeckError | { wait: Promise<void> };

/** Launches FakeProcs; each launch takes the next scripted outcome (default: ok). */
class FakeLauncher implements EngineLauncher {
  readonly kind = 'fake';
  readonly launches: LaunchOptions[] = [];
  readonly procs: FakeProc[] = [];
  script: Step[] = [];
  async launch(o: LaunchOptions): Promise<LaunchedEngine> {
    this.launches.push(o);
    const step = this.script.shift() ?? 'ok';
    if (step instanceof DeckError) throw step;
    if (step !== 'ok') await step.wait;
    const p = new FakeProc(o.port);
    this.procs.push(p);
    return p;
  }
  get last(): FakeProc {
    return this.procs[this.procs.length - 1];
  }
}

const MODEL = { id: 'm', label: 'Model M', demo: false, dir: '/models/m' };
const POLICY: RestartPolicy = { maxCrashes: 2, windowMs: 10_000, backoffMs: [5, 10] };

function setup(o: { policy?: RestartPolicy; portFree?: boolean; health?: () => Promise<unknown> } = {}) {
  const launcher = new FakeLauncher();
  const statuses: EmbeddedStatus[] = [];
  let nextPort = 40_000;
  const sup = new EngineSupervisor({
    launcher,
    log: silentLogger,
    logPath: '/home/x/logs/slm-deck.log',
    onStatus: (s) => statuses.push(s),
    restart: o.policy ?? POLICY,
    waitHealthy: o.health ?? (async () => undefined),
    pickPort: async () => nextPort++,
    portFree: async () => o.portFree ?? true,
  });
  const until = async (state: EmbeddedStatus['state'], n = 1) => {
    for (let i = 0; i < 400; i++) {
      if (statuses.filter((s) => s.state === state).length >= n) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`never reached ${state} x${n}: ${statuses.map((s) => s.state).join(',')}`);
  };
  return { sup, launcher, statuses, until, states: () => statuses.map((s) => s.state) };
}

describe('EngineSupervisor', () => {
  it('starts on a free port and reports starting, then running with the URL', async () => {
    const { sup, launcher, states } = setup();
    const s = await sup.start(MODEL);
    expect(states()).toEqual(['starting', 'running']);
    expect(launcher.launches[0]).toMatchObject({ modelDir: '/models/m', modelId: 'm', port: 40_000 });
    expect(s).toMatchObject({ state: 'running', url: 'http://127.0.0.1:40000', port: 40_000, pid: launcher.last.pid, model: { id: 'm', label: 'Model M', demo: false }, restarts: 0, host: 'fake' });
  });

  it('restarts a crashed engine on the same port after the backoff', async () => {
    const { sup, launcher, until, statuses } = setup();
    await sup.start(MODEL);
    launcher.last.crash(139);
    await until('running', 2);
    expect(statuses.map((s) => s.state)).toEqual(['starting', 'running', 'restarting', 'running']);
    expect(statuses[2]).toMatchObject({ url: 'http://127.0.0.1:40000', pid: null, lastCrash: { code: 139 } });
    expect(sup.status()).toMatchObject({ state: 'running', port: 40_000, restarts: 1, error: null });
    expect(launcher.launches.map((l) => l.port)).toEqual([40_000, 40_000]);
  });

  it('moves to a fresh port when the old one was taken meanwhile', async () => {
    const { sup, launcher, until } = setup({ portFree: false });
    await sup.start(MODEL);
    launcher.last.crash();
    await until('running', 2);
    expect(launcher.launches.map((l) => l.port)).toEqual([40_000, 40_001]);
    expect(sup.status().url).toBe('http://127.0.0.1:40001');
  });

  it('gives up after more quick crashes than the policy allows, with an actionable error', async () => {
    const { sup, launcher, until } = setup();
    await sup.start(MODEL);
    launcher.last.crash(1);
    await until('running', 2);
    launcher.last.crash(1);
    await until('running', 3);
    launcher.last.crash(137);
    await until('failed');
    expect(launcher.launches).toHaveLength(3);
    const s = sup.status();
    expect(s).toMatchObject({ state: 'failed', url: null, pid: null, restarts: 2, lastCrash: { code: 137 } });
    expect(s.error).toEqual({
      code: 'server_error',
      message: 'The embedded engine crashed 3 times within 10 s (last exit code 137); SLM Deck stopped restarting it.',
      hint: expect.stringContaining('(/home/x/logs/slm-deck.log)'),
    });
  });

  it('forgets crashes older than the window', async () => {
    const { sup, launcher, until } = setup({ policy: { maxCrashes: 1, windowMs: 30, backoffMs: [1] } });
    await sup.start(MODEL);
    for (let i = 2; i <= 4; i++) {
      await new Promise((r) => setTimeout(r, 40));
      launcher.last.crash();
      await until('running', i);
    }
    expect(sup.status()).toMatchObject({ state: 'running', restarts: 3 });
  });

  it('does not restart a model that fails to load', async () => {
    const { sup, launcher, states } = setup();
    launcher.script = [new DeckError('model_load_failed', 'model.onnx is corrupt', 'Download it again.')];
    await expect(sup.start(MODEL)).rejects.toMatchObject({ code: 'model_load_failed' });
    expect(states()).toEqual(['starting', 'failed']);
    expect(sup.status().error).toEqual({ code: 'model_load_failed', message: 'model.onnx is corrupt', hint: 'Download it again.' });
    await new Promise((r) => setTimeout(r, 30));
    expect(launcher.launches).toHaveLength(1);
  });

  it('a restart that fails to load the model stops the restarts', async () => {
    const { sup, launcher, until } = setup();
    await sup.start(MODEL);
    launcher.script = [new DeckError('model_load_failed', 'gone')];
    launcher.last.crash();
    await until('failed');
    expect(sup.status().error?.message).toBe('gone');
  });

  it('restarts that die before they are ready count as crashes', async () => {
    const { sup, launcher, until } = setup();
    await sup.start(MODEL);
    launcher.script = [new DeckError('server_error', 'exited early'), new DeckError('server_error', 'exited early')];
    launcher.last.crash();
    await until('failed');
    expect(launcher.launches).toHaveLength(3);
    expect(sup.status().error?.message).toMatch(/crashed 3 times/);
  });

  it('retries once on a fresh port when the picked one was taken before the bind', async () => {
    const { sup, launcher } = setup();
    launcher.script = [new DeckError('port_in_use', 'Port 40000 on 127.0.0.1 is already in use.')];
    const s = await sup.start(MODEL);
    expect(launcher.launches.map((l) => l.port)).toEqual([40_000, 40_001]);
    expect(s.port).toBe(40_001);
  });

  it('a port the user asked for is not swapped for another', async () => {
    const { sup, launcher } = setup();
    launcher.script = [new DeckError('port_in_use', 'Port 8080 on 127.0.0.1 is already in use.')];
    await expect(sup.start(MODEL, 8080)).rejects.toMatchObject({ code: 'port_in_use' });
    expect(launcher.launches.map((l) => l.port)).toEqual([8080]);
    expect(sup.status().state).toBe('failed');
  });

  it('an engine that never answers /health is stopped and reported', async () => {
    const { sup, launcher } = setup({ health: async () => Promise.reject(new DeckError('timeout', 'no /health within 30 s')) });
    await expect(sup.start(MODEL)).rejects.toMatchObject({ code: 'timeout' });
    expect(launcher.last.stopped).toBe(true);
    expect(sup.status()).toMatchObject({ state: 'failed', error: { code: 'timeout' } });
  });

  it('an engine that exits while /health is awaited fails at once', async () => {
    let proc: FakeProc | undefined;
    const { sup, launcher } = setup({
      health: () => {
        proc = launcher.last;
        setTimeout(() => proc!.crash(3), 5);
        return new Promise(() => undefined);
      },
    });
    await expect(sup.start(MODEL)).rejects.toMatchObject({ code: 'server_error', message: 'The embedded engine exited (code 3) before /health answered.' });
  });

  it('stop while starting: the late process is stopped and the start reports cancelled', async () => {
    let release!: () => void;
    const { sup, launcher, states } = setup();
    launcher.script = [{ wait: new Promise<void>((r) => (release = r)) }];
    const starting = sup.start(MODEL);
    await new Promise((r) => setTimeout(r, 5));
    const stopped = sup.stop();
    release();
    await expect(starting).rejects.toMatchObject({ code: 'cancelled' });
    expect((await stopped).state).toBe('stopped');
    expect(launcher.last.stopped).toBe(true);
    expect(states()).toEqual(['starting', 'stopping', 'stopped']);
  });

  it('stop during the backoff: no restart happens', async () => {
    const { sup, launcher, until } = setup({ policy: { maxCrashes: 3, windowMs: 10_000, backoffMs: [50] } });
    await sup.start(MODEL);
    launcher.last.crash();
    await until('restarting');
    await sup.stop();
    await new Promise((r) => setTimeout(r, 80));
    expect(launcher.launches).toHaveLength(1);
    expect(sup.status()).toMatchObject({ state: 'stopped', url: null });
  });

  it('a stopped engine is not mistaken for a crash', async () => {
    const { sup, launcher, states } = setup();
    await sup.start(MODEL);
    await sup.stop();
    expect(launcher.last.stopped).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(states()).toEqual(['starting', 'running', 'stopping', 'stopped']);
  });

  it('starting another model replaces the running one; the same model is a no-op', async () => {
    const { sup, launcher } = setup();
    await sup.start(MODEL);
    const first = launcher.last;
    await sup.start(MODEL);
    expect(launcher.launches).toHaveLength(1);
    const s = await sup.start({ ...MODEL, id: 'other', label: 'Other', dir: '/models/other' });
    expect(first.stopped).toBe(true);
    expect(launcher.launches[1]).toMatchObject({ modelId: 'other', modelDir: '/models/other' });
    expect(s).toMatchObject({ state: 'running', model: { id: 'other' } });
  });
});
