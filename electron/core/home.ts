import { existsSync, readdirSync, renameSync, rmdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from './log/logger';

/** The folder's name per OS: the desktop app and the CLI use the same one (Electron's own default differs on Linux). */
const NAMES = { linux: 'slm-deck', other: 'SLM Deck' } as const;

function parentFolder(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support');
  if (platform === 'win32') return env.APPDATA ?? path.join(home, 'AppData', 'Roaming');
  return env.XDG_CONFIG_HOME ?? path.join(home, '.config');
}

/**
 * Everything the app stores lives under one folder, the same for the desktop app and the CLI;
 * SLM_DECK_HOME overrides it (tests isolate with it).
 */
export function resolveHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.SLM_DECK_HOME) return path.resolve(env.SLM_DECK_HOME);
  return path.join(parentFolder(env, platform), platform === 'linux' ? NAMES.linux : NAMES.other);
}

/** The other spelling beside the home: where the desktop app (Linux) or the CLI (macOS, Windows) kept its files before. */
export function legacyHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  if (env.SLM_DECK_HOME) return null;
  return path.join(parentFolder(env, platform), platform === 'linux' ? NAMES.other : NAMES.linux);
}

export interface HomeMigration {
  from: string;
  to: string;
  /** Top-level entries moved into the home. */
  moved: string[];
  /** Entries the home already had: left in `keptIn` for the user to look at. */
  kept: string[];
  keptIn: string | null;
}

const isEmptyDir = (dir: string) => !existsSync(dir) || readdirSync(dir).length === 0;
/** Only a folder SLM Deck wrote is moved, never another program's folder that happens to share the name. */
const isDeckHome = (dir: string) => existsSync(path.join(dir, 'settings.json')) || existsSync(path.join(dir, 'logs', 'slm-deck.log'));

/**
 * Moves the legacy folder into the home, once: the whole folder when the home is empty or
 * missing, otherwise each entry the home does not have yet; what is left (entries both have)
 * is renamed to `<legacy>.old`, so the next start finds nothing to do. Never overwrites.
 */
export function migrateLegacyHome(legacy: string | null, home: string): HomeMigration | null {
  if (!legacy || legacy === home || !isDeckHome(legacy)) return null;
  if (isEmptyDir(home)) {
    const moved = readdirSync(legacy);
    if (existsSync(home)) rmdirSync(home);
    renameSync(legacy, home);
    return { from: legacy, to: home, moved, kept: [], keptIn: null };
  }
  const moved: string[] = [];
  const kept: string[] = [];
  for (const name of readdirSync(legacy)) {
    if (existsSync(path.join(home, name))) kept.push(name);
    else {
      renameSync(path.join(legacy, name), path.join(home, name));
      moved.push(name);
    }
  }
  let keptIn: string | null = null;
  if (kept.length) {
    keptIn = `${legacy}.old`;
    renameSync(legacy, existsSync(keptIn) ? (keptIn = `${legacy}.old-${Date.now()}`) : keptIn);
  } else rmdirSync(legacy);
  return { from: legacy, to: home, moved, kept, keptIn };
}

/**
 * The home, with a legacy folder moved in first. A failed move (another SLM Deck process
 * moving it at the same moment, a permission) never stops a start: it is reported instead.
 * The caller logs the result once it has a logger.
 */
export function prepareHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): { home: string; migration: HomeMigration | null; migrationError: string | null } {
  const home = resolveHome(env, platform);
  try {
    return { home, migration: migrateLegacyHome(legacyHome(env, platform), home), migrationError: null };
  } catch (e) {
    return { home, migration: null, migrationError: e instanceof Error ? e.message : String(e) };
  }
}

/** The one log line a migration (or its failure) gets. */
export function logMigration(log: Pick<Logger, 'info' | 'warn'>, p: ReturnType<typeof prepareHome>): void {
  const m = p.migration;
  if (p.migrationError) log.warn('could not move the old data folder into the home', { home: p.home, error: p.migrationError });
  else if (m?.keptIn) log.warn('moved the old data folder into the home; entries the home already had were kept aside', { from: m.from, to: m.to, moved: m.moved, kept: m.kept, keptIn: m.keptIn });
  else if (m) log.info('moved the old data folder into the home', { from: m.from, to: m.to, moved: m.moved });
}
