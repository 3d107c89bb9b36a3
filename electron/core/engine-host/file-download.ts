import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeckError, isDeckError } from '../../shared/errors';
import { fmtSize } from '../../shared/format';
import { hubError, resolveUrl, type HubTarget, type RemoteFile } from './hf-hub';

export interface FileProgress {
  /** Bytes of this file on disk so far. */
  bytes: number;
  step: string;
}

export interface FileDownloadResult {
  /** Bytes that were already in the .part file and not fetched again. */
  resumedBytes: number;
  /** ETag the server sent (X-Linked-Etag for LFS files). */
  etag: string | null;
}

/** A hash of the content that can be compared with what the hub lists: sha256 (LFS) or the git blob id. */
function contentHash(f: RemoteFile): { hash: Hash; expected: string; kind: string } | null {
  if (f.sha256) return { hash: createHash('sha256'), expected: f.sha256, kind: 'sha256' };
  if (f.gitOid && /^[0-9a-f]{40}$/.test(f.gitOid)) {
    const hash = createHash('sha1');
    hash.update(`blob ${f.size}\0`);
    return { hash, expected: f.gitOid, kind: 'git blob sha1' };
  }
  return null;
}

/**
 * Downloads one file to `<dest>.part` with HTTP Range resume, checks its size and checksum,
 * and renames it into place. A checksum mismatch deletes the part (it cannot be repaired);
 * any other failure keeps it so the next attempt resumes.
 */
export async function downloadFile(t: HubTarget, f: RemoteFile, dest: string, onProgress: (p: FileProgress) => void): Promise<FileDownloadResult> {
  const part = `${dest}.part`;
  let have = await fs.stat(part).then((s) => s.size, () => 0);
  if (have > f.size) {
    await fs.rm(part, { force: true });
    have = 0;
  }
  const check = contentHash(f);
  if (check && have > 0) {
    onProgress({ bytes: have, step: `Checking the ${fmtSize(have)} of ${f.name} already downloaded` });
    await pipeline(createReadStream(part), new Transform({ transform: (c: Buffer, _e, cb) => (check.hash.update(c), cb()) }), t.signal ? { signal: t.signal } : {}).catch((e) => {
      throw abortOr(e, t);
    });
  }

  let etag: string | null = null;
  const resumedBytes = have;
  if (have < f.size) {
    const url = resolveUrl(t, f.repoPath);
    const headers: Record<string, string> = {};
    if (have > 0) headers.Range = `bytes=${have}-`;
    if (t.token) headers.Authorization = `Bearer ${t.token}`;
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: t.signal, redirect: 'follow' });
    } catch (e) {
      throw hubError(e, t, f.repoPath);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw hubError({ status: res.status }, t, f.repoPath);
    }
    etag = res.headers.get('x-linked-etag') ?? res.headers.get('etag');
    let append = false;
    if (have > 0 && res.status === 206) {
      const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
      if (Number(start) !== have) {
        await res.body?.cancel();
        throw new DeckError('server_error', `Hugging Face answered a resume of ${f.name} with the wrong range (${res.headers.get('content-range') ?? 'none'}).`, 'Download again; if it persists, delete the model and start over.');
      }
      append = true;
    } else if (have > 0) {
      // The server ignored Range (HTTP 200): the whole file comes again.
      have = 0;
      if (check) check.hash = contentHash(f)!.hash;
    }
    if (!res.body) throw new DeckError('server_error', `Hugging Face sent no content for ${f.name}.`, 'Download again.');

    let bytes = have;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        check?.hash.update(chunk);
        onProgress({ bytes, step: `Downloading ${f.name}` });
        cb(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), counter, createWriteStream(part, { flags: append ? 'a' : 'w' }), t.signal ? { signal: t.signal } : {});
    } catch (e) {
      throw writeError(e, t, f, dest);
    }
    if (bytes < f.size) throw new DeckError('server_unreachable', `The connection dropped while downloading ${f.name} (${fmtSize(bytes)} of ${fmtSize(f.size)}).`, 'Download again; it resumes where it stopped.');
  }

  const size = (await fs.stat(part)).size;
  if (size !== f.size) {
    await fs.rm(part, { force: true });
    throw new DeckError('server_error', `${f.name} has ${size} bytes, but Hugging Face lists ${f.size}; the damaged file was removed.`, 'Download again: that file starts over.');
  }
  if (check) {
    const got = check.hash.digest('hex');
    if (got !== check.expected) {
      await fs.rm(part, { force: true });
      throw new DeckError(
        'server_error',
        `${f.name} is corrupt: its ${check.kind} is ${got}, Hugging Face lists ${check.expected}. The damaged file was removed.`,
        'Download again: that file starts over. If it happens again, a proxy may be altering downloads.',
      );
    }
  }
  await fs.rename(part, dest);
  return { resumedBytes, etag };
}

function abortOr(e: unknown, t: HubTarget): DeckError {
  if (t.signal?.aborted) return new DeckError('cancelled', 'Download cancelled.', 'Download again to resume where it stopped.');
  return isDeckError(e) ? e : new DeckError('io_error', `Could not read a partial download: ${e instanceof Error ? e.message : String(e)}`);
}

/** Disk full and other local write failures; the part file stays so the next attempt resumes. */
function writeError(e: unknown, t: HubTarget, f: RemoteFile, dest: string): DeckError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DeckError('insufficient_resources', `The disk is full: ${f.name} could not be written to ${dest}.`, 'Free some space (or delete models you no longer use), then download again; it resumes where it stopped.');
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new DeckError('io_error', `Cannot write ${dest} (${code}).`, 'Check the permissions of the SLM Deck data folder (SLM_DECK_HOME).');
  }
  if (t.signal?.aborted) return new DeckError('cancelled', 'Download cancelled.', 'Download again to resume where it stopped.');
  if (isDeckError(e)) return e;
  const msg = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
  return new DeckError('server_unreachable', `The connection dropped while downloading ${f.name} (${msg}).`, 'Download again; it resumes where it stopped.');
}

