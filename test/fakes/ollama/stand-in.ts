/**
 * The Ollama stand-in image's program (test/services/up.sh bundles it into one file on the
 * node-base image): the protocol fake on OLLAMA_HOST (default 0.0.0.0:11434), with its
 * models and partial downloads kept in a JSON file under OLLAMA_MODELS (default
 * /root/.ollama/models, the deployment's volume), so a pulled model survives a restart or a
 * redeploy and an interrupted pull resumes. Arguments (`serve`) are printed and ignored.
 *
 * SLM_STAND_IN_PULL_INTERVAL_MS sets the pause between pull progress lines (default 20 ms,
 * 20 lines a layer), so a deploy can show and cancel the download.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ModelRecord } from './library';
import { nameKey } from './names';
import { OllamaFake } from './server';

interface SavedState {
  models: Array<Omit<ModelRecord, 'modifiedAt'> & { modifiedAt: string }>;
  partial: Array<[string, number]>;
  blobs: string[];
}

function listenAddress(raw: string | undefined): { host: string; port: number } {
  const v = (raw ?? '').replace(/^https?:\/\//, '');
  const m = /^(.*?)(?::(\d+))?$/.exec(v);
  return { host: m?.[1] || '0.0.0.0', port: m?.[2] ? Number(m[2]) : 11434 };
}

function load(fake: OllamaFake, file: string): void {
  // First start, or an unreadable file: start empty as Ollama would.
  const state = readState(file);
  for (const m of state?.models ?? []) fake.models.set(nameKey(m.name) ?? m.name, { ...m, modifiedAt: new Date(m.modifiedAt) });
  for (const [digest, bytes] of state?.partial ?? []) fake.partial.set(digest, bytes);
  for (const digest of state?.blobs ?? []) fake.blobs.set(digest, null);
}

function readState(file: string): SavedState | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SavedState;
  } catch {
    return null;
  }
}

/**
 * Other stand-ins may share the volume (several deployments, one `slm-deck-ollama-data`):
 * what they saved is kept, except the models this one deleted.
 */
async function save(fake: OllamaFake, file: string): Promise<void> {
  const deleted = new Set(
    fake.requests
      .filter((r) => r.method === 'DELETE' && r.path === '/api/delete')
      .map((r) => nameKey(String((r.body as { model?: string; name?: string } | undefined)?.model ?? (r.body as { name?: string } | undefined)?.name ?? '')))
      .filter((k): k is string => k !== null && !fake.models.has(k)),
  );
  const disk = readState(file);
  const models = new Map<string, SavedState['models'][number]>();
  for (const m of disk?.models ?? []) {
    const key = nameKey(m.name);
    if (key && !deleted.has(key)) models.set(key, m);
  }
  for (const [key, m] of fake.models) models.set(key, { ...m, modifiedAt: m.modifiedAt.toISOString() });
  const partial = new Map(disk?.partial ?? []);
  for (const [digest, bytes] of fake.partial) partial.set(digest, Math.max(bytes, partial.get(digest) ?? 0));
  const blobs = new Set([...(disk?.blobs ?? []), ...fake.blobs.keys()]);
  for (const digest of blobs) partial.delete(digest);
  const state: SavedState = { models: [...models.values()], partial: [...partial.entries()], blobs: [...blobs] };
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(state));
  await fs.rename(tmp, file);
}

async function main(): Promise<void> {
  const { host, port } = listenAddress(process.env.OLLAMA_HOST);
  const file = path.join(process.env.OLLAMA_MODELS ?? '/root/.ollama/models', 'slm-deck-stand-in.json');
  const interval = Number(process.env.SLM_STAND_IN_PULL_INTERVAL_MS ?? 20);
  const fake = new OllamaFake({ host, port, pull: { intervalMs: Number.isFinite(interval) ? interval : 20 } });
  load(fake, file);
  await fake.start();
  console.log(`stand-in ollama: serving the Ollama API (SLM Deck's protocol fake) on port ${fake.port}; ignored args: ${process.argv.slice(2).join(' ')}`);

  // Saved whenever a request may have changed something, and on the way out.
  let seen = 0;
  let saving = Promise.resolve();
  const timer = setInterval(() => {
    if (fake.requests.length === seen && fake.activePulls === 0) return;
    seen = fake.requests.length;
    saving = saving.then(() => save(fake, file)).catch((e: unknown) => console.error(`cannot save ${file}: ${String(e)}`));
  }, 250);
  const stop = async () => {
    clearInterval(timer);
    await saving;
    await save(fake, file).catch(() => undefined);
    await fake.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

void main();
