import path from 'node:path';
import { z } from 'zod';
import {
  SETTINGS_DEFAULTS,
  SettingsSchema,
  type Settings,
  type SettingsPatchSchema,
  type SettingsStateSchema,
} from '../../shared/contract/app';
import { DeckError } from '../../shared/errors';
import type { EventBus } from '../events/event-bus';
import { readJsonOrRecover, recoverTemps, rotateBackups, writeFileAtomic } from '../fs/atomic';
import type { Logger } from '../log/logger';
import { migrate } from './migrations';
import type { SecretStore } from './secret-store';

type SettingsState = z.infer<typeof SettingsStateSchema>;
const HF_TOKEN = 'hf-token';

/** Typed settings with defaults and migrations, stored as JSON under the home folder. */
export class SettingsService {
  private settings: Settings = { ...SETTINGS_DEFAULTS };
  private recovered: SettingsState['recovered'] = null;
  readonly file: string;

  constructor(
    home: string,
    private secrets: SecretStore,
    private bus: EventBus,
    private log: Logger,
  ) {
    this.file = path.join(home, 'settings.json');
  }

  async load(): Promise<SettingsState> {
    const { recovered } = await recoverTemps(path.dirname(this.file));
    if (recovered.length > 0) this.log.warn('settings recovered from a write a crash interrupted', { files: recovered });
    const read = await readJsonOrRecover(this.file);
    if (read.kind === 'corrupt') {
      this.recover(read.backupPath, read.reason);
    } else if (read.kind === 'ok') {
      const raw = read.value && typeof read.value === 'object' ? (read.value as Record<string, unknown>) : {};
      const parsed = SettingsSchema.safeParse({ ...SETTINGS_DEFAULTS, ...migrate(raw) });
      if (parsed.success) this.settings = parsed.data;
      else {
        const backupPath = await rotateBackups(this.file);
        await writeFileAtomic(backupPath, JSON.stringify(raw, null, 2));
        this.recover(backupPath, `invalid values (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')})`);
      }
    }
    this.settings.hfTokenSet = (await this.secrets.get(HF_TOKEN)) !== null;
    const { problem } = this.secrets.describe();
    if (problem) this.log.warn('a stored secret could not be read', { problem });
    if (read.kind !== 'ok' || this.recovered) await this.save();
    return this.state();
  }

  get(): Settings {
    return this.settings;
  }

  state(): SettingsState {
    return { settings: { ...this.settings }, secretStorage: this.secrets.describe(), recovered: this.recovered, path: this.file };
  }

  async set(patch: z.infer<typeof SettingsPatchSchema>): Promise<SettingsState> {
    const next = SettingsSchema.safeParse({ ...this.settings, ...patch });
    if (!next.success) {
      throw new DeckError('invalid_input', `Invalid setting: ${next.error.issues[0]?.message}`, 'Nothing was changed.');
    }
    this.settings = next.data;
    this.recovered = null;
    await this.save();
    this.log.info('settings changed', { keys: Object.keys(patch) });
    const state = this.state();
    this.bus.emit('settings.changed', state);
    return state;
  }

  async setHfToken(token: string): Promise<SettingsState> {
    const value = token.trim();
    if (value && !/^hf_[A-Za-z0-9]{20,}$/.test(value)) {
      throw new DeckError('invalid_input', 'That does not look like a Hugging Face token.', 'Tokens start with "hf_"; copy one from huggingface.co/settings/tokens.');
    }
    await this.secrets.set(HF_TOKEN, value || null);
    this.settings.hfTokenSet = Boolean(value);
    await this.save();
    const state = this.state();
    this.bus.emit('settings.changed', state);
    return state;
  }

  /** For main-process services only (model downloads); never exposed through the contract. */
  hfToken(): Promise<string | null> {
    return this.secrets.get(HF_TOKEN);
  }

  private recover(backupPath: string, reason: string): void {
    this.settings = { ...SETTINGS_DEFAULTS };
    this.recovered = { backupPath, reason };
    this.log.warn('settings file was unreadable; defaults loaded', { backupPath, reason });
  }

  private async save(): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(this.settings, null, 2) + '\n');
  }
}
