import os from 'node:os';
import path from 'node:path';

/** Everything the app stores lives under one folder; SLM_DECK_HOME overrides it (tests isolate with it). */
export function resolveHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.SLM_DECK_HOME) return path.resolve(env.SLM_DECK_HOME);
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'SLM Deck');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'SLM Deck');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'slm-deck');
}
