import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Finds a folder under the app's `resources/`: SLM_DECK_RESOURCES, the packaged app's
 * resources, or the source checkout found by walking up from the running script and the
 * working directory (dist/cli/index.js, bin/slm-deck.js, tests).
 */
export function findResource(sub: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const starts = [process.argv[1] ? path.dirname(process.argv[1]) : undefined, process.cwd()].filter((s): s is string => Boolean(s));
  const candidates: string[] = [];
  if (env.SLM_DECK_RESOURCES) candidates.push(env.SLM_DECK_RESOURCES);
  const packaged = (process as { resourcesPath?: string }).resourcesPath;
  if (packaged) candidates.push(path.join(packaged, 'resources'), packaged);
  for (const start of starts) {
    let dir = path.resolve(start);
    for (let i = 0; i < 6; i++) {
      candidates.push(path.join(dir, 'resources'));
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  for (const c of candidates) {
    const p = path.join(c, sub);
    if (existsSync(p)) return p;
  }
  return null;
}
