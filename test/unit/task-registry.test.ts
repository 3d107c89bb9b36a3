import { describe, expect, it } from 'vitest';
import { EventBus } from '../../electron/core/events/event-bus';
import { TaskRegistry, type Clock } from '../../electron/core/tasks/task-registry';
import type { TaskSnapshot } from '../../electron/shared/contract/app';

/** A clock the test moves by hand, so throttling is checked without real time. */
function fakeClock() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let nextId = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (h) => {
      const i = timers.findIndex((t) => t.id === h);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.filter((t) => t.at <= now)) {
      timers.splice(timers.indexOf(t), 1);
      t.fn();
    }
  };
  return { clock, advance };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('task registry', () => {
  it('throttles progress events to about ten a second and keeps the latest snapshot', async () => {
    const bus = new EventBus();
    const { clock, advance } = fakeClock();
    const tasks = new TaskRegistry(bus, clock);
    const progress: TaskSnapshot[] = [];
    bus.on('task.progress', (s) => progress.push(s));
    let finish!: () => void;
    const { taskId } = tasks.start('test', 'Counting', (ctx) => {
      for (let i = 1; i <= 100; i++) ctx.update({ progress: i / 100, step: `step ${i}` });
      return new Promise<void>((r) => (finish = r));
    });
    await flush();
    // 100 updates within the same millisecond: the first event at start, then one trailing event.
    expect(progress.length).toBe(1);
    advance(100);
    expect(progress.length).toBe(2);
    expect(progress.at(-1)!.step).toBe('step 100');
    expect(tasks.get(taskId)!.progress).toBe(1);
    finish();
  });

  it('a task that ends inside the throttle window still sends its last step before done', async () => {
    const bus = new EventBus();
    const { clock } = fakeClock();
    const tasks = new TaskRegistry(bus, clock);
    const events: Array<[string, string]> = [];
    bus.on('task.progress', (s) => events.push(['progress', s.step]));
    bus.on('task.done', (s) => events.push(['done', s.step]));
    tasks.start('build', 'Build', async (ctx) => {
      ctx.update({ step: 'Sending the build context' });
      ctx.update({ step: 'Step 1/2: FROM node' });
      ctx.update({ step: 'Step 2/2: CMD node main.js' });
    });
    await flush();
    expect(events.slice(-2)).toEqual([
      ['progress', 'Step 2/2: CMD node main.js'],
      ['done', 'Done'],
    ]);
  });

  it('computes speed and ETA from byte counts', async () => {
    const bus = new EventBus();
    const { clock, advance } = fakeClock();
    const tasks = new TaskRegistry(bus, clock);
    let update!: (b: number) => void;
    const { taskId } = tasks.start('pull', 'Pull', (ctx) => {
      update = (b) => ctx.update({ bytesDone: b, bytesTotal: 10_000 });
      return new Promise(() => undefined);
    });
    await flush();
    update(0);
    advance(1000);
    update(1000);
    const snap = tasks.get(taskId)!;
    expect(snap.speed).toBe(1000);
    expect(snap.progress).toBeCloseTo(0.1);
    expect(snap.etaSeconds).toBe(9);
  });

  it('cancels through the AbortController and reports cancelled, then lists it', async () => {
    const bus = new EventBus();
    const tasks = new TaskRegistry(bus);
    const { taskId } = tasks.start('wait', 'Waiting', ({ signal }) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
    await flush();
    expect(tasks.list().map((t) => t.state)).toEqual(['running']);
    expect(tasks.cancel(taskId)).toBe(true);
    const done = await tasks.wait(taskId);
    expect(done.state).toBe('cancelled');
    expect(tasks.cancel(taskId)).toBe(false);
  });

  it('reports a failure with its code and hint', async () => {
    const { DeckError } = await import('../../electron/shared/errors');
    const tasks = new TaskRegistry(new EventBus());
    const { taskId } = tasks.start('x', 'Failing', async () => {
      throw new DeckError('registry_error', 'manifest unknown', 'Check the image name.');
    });
    const done = await tasks.wait(taskId);
    expect(done).toMatchObject({ state: 'failed', error: { code: 'registry_error', message: 'manifest unknown', hint: 'Check the image name.' } });
  });
});
