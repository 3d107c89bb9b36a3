import type { Command } from 'commander';
import { SettingKeySchema } from '../../shared/contract/app';
import { DeckError } from '../../shared/errors';
import { verb } from '../context';
import { print, table } from '../output';

export function registerSettings(program: Command): void {
  const settings = program.command('settings').description('Read or change settings (stored under SLM_DECK_HOME)');

  settings
    .command('get [key]')
    .description('Print all settings, or one')
    .action(
      verb(async ({ call }, cmd, key: string | undefined) => {
        const state = await call('settings.get', {});
        if (key !== undefined && !(key in state.settings)) {
          throw new DeckError('invalid_input', `Unknown setting "${key}".`, `Known: ${Object.keys(state.settings).join(', ')}`);
        }
        const value = key ? state.settings[key as keyof typeof state.settings] : state;
        print(cmd, value, (v) =>
          key
            ? String(v)
            : table(Object.entries(state.settings).map(([k, val]) => [k, String(val)])) +
              (state.recovered ? `\n\nwarning: settings file was unreadable (${state.recovered.reason}); kept as ${state.recovered.backupPath}` : ''),
        );
      }),
    );

  settings
    .command('set <key> <value>')
    .description(`Change a setting: ${SettingKeySchema.options.join(', ')}`)
    .action(
      verb(async ({ call }, cmd, key: string, value: string) => {
        const parsedKey = SettingKeySchema.safeParse(key);
        if (!parsedKey.success) {
          throw new DeckError('invalid_input', `Unknown setting "${key}".`, `Settable keys: ${SettingKeySchema.options.join(', ')}`);
        }
        const state = await call('settings.set', { [parsedKey.data]: value });
        print(cmd, state.settings, (s) => `${key} = ${String(s[parsedKey.data])}`);
      }),
    );
}
