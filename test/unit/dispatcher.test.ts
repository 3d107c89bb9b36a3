import { describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/app-core';
import { methods } from '../../electron/shared/contract';
import { tempHome } from '../helpers/serve';

const ctx = { transport: 'cli' as const, signal: new AbortController().signal };

describe('dispatcher', () => {
  it('answers an unknown method with a typed error', async () => {
    const core = await createCore({ home: tempHome() });
    const env = await core.dispatcher.call('nope.nothing', {}, ctx);
    expect(env).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    if (!env.ok) expect(env.error.hint).toMatch(/app\.methods/);
  });

  it('rejects malformed input with invalid_input and the zod issues', async () => {
    const core = await createCore({ home: tempHome() });
    const env = await core.dispatcher.call('settings.set', { bindHost: 'not an ip', theme: 'purple' }, ctx);
    expect(env.ok).toBe(false);
    if (env.ok) return;
    expect(env.error.code).toBe('invalid_input');
    const paths = (env.error.details as Array<{ path: string[] }>).map((d) => d.path[0]);
    expect(paths).toEqual(expect.arrayContaining(['bindHost', 'theme']));
    // Nothing was changed by the rejected call.
    expect(core.settings.get().bindHost).toBe('127.0.0.1');
  });

  it('rejects unknown keys instead of silently dropping them', async () => {
    const core = await createCore({ home: tempHome() });
    const env = await core.dispatcher.call('settings.set', { hfTokenSet: true }, ctx);
    expect(env).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('every contract method rejects input of the wrong type with invalid_input', async () => {
    const core = await createCore({ home: tempHome() });
    for (const name of Object.keys(methods)) {
      const env = await core.dispatcher.call(name, 'a string is never valid input', ctx);
      expect(env, name).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    }
  });

  it('wraps a result in an ok envelope and reports the transport', async () => {
    const core = await createCore({ home: tempHome() });
    const env = await core.dispatcher.call('app.info', {}, { ...ctx, transport: 'websocket' });
    expect(env).toMatchObject({ ok: true, result: { name: 'SLM Deck', transport: 'websocket' } });
  });

  it('turns an unexpected exception into an internal error with a hint, not a crash', async () => {
    const core = await createCore({ home: tempHome() });
    // tasks.cancel of an unknown id throws a DeckError: code and hint survive the envelope.
    const env = await core.dispatcher.call('tasks.cancel', { taskId: 'missing' }, ctx);
    expect(env).toMatchObject({ ok: false, error: { code: 'not_found' } });
    if (!env.ok) expect(env.error.hint).toBeTruthy();
  });
});
