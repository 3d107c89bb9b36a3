import { z } from 'zod';
import { event, method } from './define';

export const ThemeSchema = z.enum(['system', 'light', 'dark']);

/** Docker endpoint: auto-detect, a unix socket path, or a tcp:// / ssh:// URL. */
export const DockerEndpointSchema = z.union([
  z.literal('auto'),
  z.string().regex(/^(unix:\/\/)?\/.+/, 'a unix socket path such as /var/run/docker.sock'),
  z.string().regex(/^(tcp|ssh|npipe):\/\/.+/, 'a tcp://host:port, ssh://user@host or npipe:// URL'),
]);

export const SettingsSchema = z.object({
  version: z.literal(1),
  theme: ThemeSchema,
  dockerEndpoint: DockerEndpointSchema,
  /** Prefix that rewrites every image the app pulls, e.g. `localhost:5000`. Empty = none. */
  registryMirror: z
    .string()
    .regex(/^$|^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._/-]+)?$/i, 'a registry host such as localhost:5000 or mirror.example.com/library'),
  ollamaUrl: z.string().url(),
  bindHost: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$|^::1?$|^\[.*\]$/, 'an IP address such as 127.0.0.1'),
  /** True when a Hugging Face token is stored; the token itself never leaves the main process. */
  hfTokenSet: z.boolean(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const SETTINGS_DEFAULTS: Settings = {
  version: 1,
  theme: 'system',
  dockerEndpoint: 'auto',
  registryMirror: '',
  ollamaUrl: 'http://127.0.0.1:11434',
  bindHost: '127.0.0.1',
  hfTokenSet: false,
};

/** Fields a client may change (hfTokenSet is derived; the token has its own verb). */
export const SettingsPatchSchema = SettingsSchema.omit({ version: true, hfTokenSet: true }).partial().strict();
export const SettingKeySchema = z.enum(['theme', 'dockerEndpoint', 'registryMirror', 'ollamaUrl', 'bindHost']);

/** Where the Hugging Face token is kept, so Settings can say how well it is protected. */
export const SecretStorageSchema = z.object({
  /**
   * keychain: encrypted with the OS keychain (desktop app); fixed-key: Electron found no
   * keychain on Linux (`basic_text`) and encrypts with a built-in key, no better than a file;
   * file: a 0600 file in the home folder (headless mode, CLI).
   */
  kind: z.enum(['keychain', 'fixed-key', 'file']),
  /** The backend's own name: gnome_libsecret, kwallet6, basic_text, macOS Keychain, Windows DPAPI, file. */
  backend: z.string(),
  /** Set when a stored token could not be read (e.g. decryption failed); its file is kept. */
  problem: z.string().nullable(),
});
export type SecretStorage = z.infer<typeof SecretStorageSchema>;

export const SettingsStateSchema = z.object({
  settings: SettingsSchema,
  secretStorage: SecretStorageSchema,
  /** Set when the settings file was unreadable at start: it was kept as .bak and defaults loaded. */
  recovered: z.object({ backupPath: z.string(), reason: z.string() }).nullable(),
  path: z.string(),
});

export const TaskStateSchema = z.enum(['running', 'succeeded', 'failed', 'cancelled']);
export const TaskSnapshotSchema = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  state: TaskStateSchema,
  /** 0..1, or null when the amount of work is unknown. */
  progress: z.number().min(0).max(1).nullable(),
  step: z.string(),
  detail: z.string().optional(),
  bytesDone: z.number().optional(),
  bytesTotal: z.number().optional(),
  /** bytes per second, smoothed */
  speed: z.number().optional(),
  etaSeconds: z.number().optional(),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }).optional(),
  result: z.unknown().optional(),
});
export type TaskSnapshot = z.infer<typeof TaskSnapshotSchema>;
export const TaskRefSchema = z.object({ taskId: z.string() });

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  transport: z.enum(['ipc', 'websocket', 'cli']),
  home: z.string(),
  logPath: z.string(),
  platform: z.string(),
  arch: z.string(),
  node: z.string(),
});

const none = z.object({}).strict();

export const appMethods = {
  'app.info': method(none, AppInfoSchema, 'Version, transport, home directory and log path.'),
  'app.methods': method(
    none,
    z.array(z.object({ name: z.string(), description: z.string(), task: z.boolean() })),
    'Every method of the contract with its description.',
  ),
  'settings.get': method(none, SettingsStateSchema, 'Current settings and whether a corrupt file was recovered.'),
  'settings.set': method(SettingsPatchSchema, SettingsStateSchema, 'Change one or more settings.'),
  'settings.setHfToken': method(
    z.object({ token: z.string().max(400) }).strict(),
    SettingsStateSchema,
    'Store (or clear, with an empty string) the Hugging Face token. It is never returned.',
  ),
  'tasks.list': method(none, z.array(TaskSnapshotSchema), 'Running and recently finished tasks.'),
  'tasks.cancel': method(TaskRefSchema.strict(), z.object({ cancelled: z.boolean() }), 'Cancel a running task.'),
};

export const appEvents = {
  'task.progress': event(TaskSnapshotSchema, 'A task changed (throttled to about 10 per second per task).'),
  'task.done': event(TaskSnapshotSchema, 'A task finished: succeeded, failed or cancelled.'),
  'settings.changed': event(SettingsStateSchema, 'Settings were changed by any client.'),
};
