import type { DomainHandlers } from '../rpc/handlers';
import type { SettingsService } from './settings-service';

export function settingsHandlers(settings: SettingsService): DomainHandlers<'settings'> {
  return {
    'settings.get': () => settings.state(),
    'settings.set': (patch) => settings.set(patch),
    'settings.setHfToken': ({ token }) => settings.setHfToken(token),
  };
}
