import type { ChatBackend } from '../../shared/contract/chat';
import type { EventBus } from '../events/event-bus';
import type { SettingsService } from '../settings/settings-service';
import type { BackendSource } from './backend-registry';

export const SETTINGS_OLLAMA_ID = 'ollama';

/** The Ollama server named in settings (managed container, native install or remote). */
export class SettingsOllamaSource implements BackendSource {
  readonly name = 'settings';

  constructor(
    private settings: SettingsService,
    bus: EventBus,
    onChange: () => void,
  ) {
    let url = settings.get().ollamaUrl;
    bus.on('settings.changed', (s) => {
      if (s.settings.ollamaUrl !== url) {
        url = s.settings.ollamaUrl;
        onChange();
      }
    });
  }

  list(): ChatBackend[] {
    const baseUrl = this.settings.get().ollamaUrl.replace(/\/+$/, '');
    return [
      {
        id: SETTINGS_OLLAMA_ID,
        kind: 'ollama',
        baseUrl,
        label: `Ollama (${new URL(baseUrl).host})`,
        source: 'settings',
        removable: false,
      },
    ];
  }
}
