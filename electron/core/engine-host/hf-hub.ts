import { HubApiError, listFiles } from '@huggingface/hub';
import { z } from 'zod';
import { DeckError, isDeckError } from '../../shared/errors';

export const HF_DEFAULT_ENDPOINT = 'https://huggingface.co';

/** The hub base URL: SLM_DECK_HF_ENDPOINT, else HF_ENDPOINT (as huggingface_hub reads it), else huggingface.co. */
export function hfEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.SLM_DECK_HF_ENDPOINT || env.HF_ENDPOINT || HF_DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

/** One file of a repo folder as the tree API describes it (validated: it comes from a server). */
const TreeEntrySchema = z.object({
  type: z.string(),
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  /** Git blob id (sha1 of "blob <size>\0<content>") for files kept in git. */
  oid: z.string().optional(),
  /** LFS files: sha256 of the content and its size. */
  lfs: z.object({ oid: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }).optional(),
});

export interface RemoteFile {
  /** Path inside the repo, e.g. cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/model.onnx */
  repoPath: string;
  /** Path inside the model folder, e.g. model.onnx */
  name: string;
  size: number;
  /** sha256 for LFS files; else null. */
  sha256: string | null;
  /** Git blob sha1 for small files kept in git; else null. */
  gitOid: string | null;
}

export interface HubTarget {
  endpoint: string;
  repo: string;
  revision: string;
  token: string | null;
  signal?: AbortSignal;
}

/** `{endpoint}/{repo}/resolve/{revision}/{path}`: the hub redirects LFS files to its CDN, which honours Range. */
export function resolveUrl(t: Pick<HubTarget, 'endpoint' | 'repo' | 'revision'>, repoPath: string): string {
  return `${t.endpoint}/${t.repo}/resolve/${encodeURIComponent(t.revision)}/${repoPath.split('/').map(encodeURIComponent).join('/')}`;
}

/** The files under a repo folder, through @huggingface/hub's tree listing (pages followed). */
export async function listFolder(t: HubTarget, folder: string): Promise<RemoteFile[]> {
  const prefix = folder.replace(/^\/+|\/+$/g, '');
  const out: RemoteFile[] = [];
  try {
    for await (const raw of listFiles({
      repo: { type: 'model', name: t.repo },
      path: prefix,
      recursive: true,
      revision: t.revision,
      hubUrl: t.endpoint,
      ...(t.token ? { accessToken: t.token } : {}),
      fetch: (input, init) => fetch(input, { ...init, signal: t.signal }),
    })) {
      const parsed = TreeEntrySchema.safeParse(raw);
      if (!parsed.success) {
        throw new DeckError('server_error', `Hugging Face sent a file list SLM Deck does not understand (${parsed.error.issues[0]?.message}).`, `Check that ${t.endpoint} is the Hugging Face Hub (SLM_DECK_HF_ENDPOINT / HF_ENDPOINT).`);
      }
      const e = parsed.data;
      if (e.type !== 'file') continue;
      if (!e.path.startsWith(`${prefix}/`)) continue;
      const name = e.path.slice(prefix.length + 1);
      if (!isSafeRelative(name)) throw new DeckError('server_error', `Hugging Face listed a file with an unsafe path: ${e.path}.`, 'Nothing was written. Check the hub endpoint.');
      out.push({ repoPath: e.path, name, size: e.lfs?.size ?? e.size, sha256: e.lfs?.oid ?? null, gitOid: e.lfs ? null : (e.oid ?? null) });
    }
  } catch (e) {
    throw hubError(e, t, `${t.repo}/${prefix}`);
  }
  if (!out.length) {
    throw new DeckError('not_found', `${t.repo} has no files under ${prefix} at revision ${t.revision}.`, 'The model may have moved; check the repository on huggingface.co.');
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Relative, no `..`, no absolute parts, no backslashes: a path that stays inside the model folder. */
export function isSafeRelative(p: string): boolean {
  return !p.startsWith('/') && !p.includes('\\') && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** Hub and network failures as errors a person can act on (the token never appears in them). */
export function hubError(e: unknown, t: Pick<HubTarget, 'endpoint' | 'signal'>, what: string): DeckError {
  if (isDeckError(e)) return e;
  if (t.signal?.aborted) return new DeckError('cancelled', 'Download cancelled.', 'Download again to resume where it stopped.');
  const status = e instanceof HubApiError ? e.statusCode : typeof (e as { status?: unknown })?.status === 'number' ? (e as { status: number }).status : null;
  if (status === 401 || status === 403) {
    return new DeckError('unauthorized', `Hugging Face refused access to ${what} (HTTP ${status}).`, 'If the model is gated or private, accept its licence on huggingface.co and set a Hugging Face token in Settings.');
  }
  if (status === 404) return new DeckError('not_found', `Hugging Face has no ${what} (HTTP 404).`, 'Check the model id; the repository or folder may have been renamed.');
  if (status === 429) return new DeckError('server_error', 'Hugging Face is rate-limiting downloads (HTTP 429).', 'Wait a minute and download again; it resumes where it stopped. A token in Settings raises the limit.');
  if (status !== null) return new DeckError('server_error', `Hugging Face answered HTTP ${status} for ${what}.`, 'Try again later; the download resumes where it stopped.');
  const msg = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
  return new DeckError('server_unreachable', `Cannot reach Hugging Face at ${t.endpoint} (${msg}).`, 'Check the network or proxy, then download again; it resumes where it stopped. With no network, use the demo model.');
}
