import { describe, expect, it } from 'vitest';
import { BackendRegistry } from '../../electron/core/chat/backend-registry';
import { EventBus } from '../../electron/core/events/event-bus';
import { silentLogger } from '../../electron/core/log/logger';
import type { ChatBackend } from '../../electron/shared/contract/chat';

const backend = (id: string, label = id): ChatBackend => ({ id, kind: 'openai', baseUrl: `http://127.0.0.1:9/${id}`, label, source: 'test', removable: false });

describe('backend registry', () => {
  it('resolves through a source that can look one id up, without listing it (Docker before every chat request)', async () => {
    const reg = new BackendRegistry(new EventBus(), silentLogger);
    let listed = 0;
    reg.register({ name: 'cheap', list: () => [backend('embedded', 'Embedded')] });
    reg.register({
      name: 'costly',
      list: () => {
        listed++;
        return [backend('docker:a', 'a · vLLM')];
      },
      find: (id) => (id === 'docker:a' ? backend('docker:a', 'a · vLLM') : null),
    });
    expect((await reg.resolve('docker:a')).label).toBe('a · vLLM');
    expect((await reg.resolve('embedded')).label).toBe('Embedded');
    expect(listed).toBe(0);
    // A miss lists everything once, to name the choices.
    await expect(reg.resolve('docker:gone')).rejects.toMatchObject({ code: 'not_found', hint: expect.stringContaining('Embedded, a · vLLM') });
    expect(listed).toBe(1);
  });
});
