import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the Hugging Face Hub's download surface, from its documented behaviour (the
 * hub API tree listing and the `resolve` endpoint as huggingface_hub and @huggingface/hub use
 * them). Only what a model download touches:
 *
 * - `GET /api/models/{repo}/tree/{rev}/{path}?recursive=true` -> JSON array of
 *   `{type, oid, size, path, lfs?: {oid, size, pointerSize}}`, paged with a `Link: <...>; rel="next"` header.
 * - `GET /{repo}/resolve/{rev}/{file}`: a file kept in git answers 200 with `ETag: "<git blob sha1>"`;
 *   an LFS file answers 302 to the CDN (here `/cdn/...` on the same server) with
 *   `X-Linked-Etag: "<sha256>"`, `X-Linked-Size` and `X-Repo-Commit`. Both honour `Range: bytes=a-`
 *   / `a-b` with 206 + `Content-Range`, and 416 + `Content-Range: bytes * /size` past the end.
 * - Unknown files: 404 with `X-Error-Code: EntryNotFound`; unknown repos: 401 with
 *   `X-Error-Code: RepoNotFound`; a gated repo without the right bearer token: 401 `GatedRepo`.
 *
 * Trouble a test can ask for: a corrupt body (served bytes differ from the listed checksum),
 * a connection cut after N bytes, a throttled body, and listed sizes larger than the content.
 */

export interface FakeFile {
  content: Buffer;
  /** Stored with LFS (listed with lfs.oid = sha256, served through the CDN redirect). Default: size > 4 kB (as the real repo: weights and tokenizer.json in LFS, small JSON in git). */
  lfs?: boolean;
}

export interface FakeRepo {
  /** Path in the repo -> file. */
  files: Record<string, FakeFile>;
  /** Only requests with `Authorization: Bearer <token>` get in. */
  gatedToken?: string;
}

export interface HubTrouble {
  /** Serve these repo paths with one byte flipped (the listing keeps the true checksum). */
  corrupt?: Set<string>;
  /** Cut the connection once after this many body bytes of the given file. */
  cutAfter?: { path: string; bytes: number };
  /** Body bytes per second (all files); 0 = as fast as possible. */
  bytesPerSecond?: number;
  /** List this size instead of the real one (e.g. to simulate a model bigger than the disk). */
  listedSize?: Record<string, number>;
}

export interface HubRequest {
  method: string;
  path: string;
  range: string | null;
  authorization: string | null;
  status: number;
}

const COMMIT = 'c0ffee0000000000000000000000000000000001';

export function gitBlobOid(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}
export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export class HfHubFake {
  readonly requests: HubRequest[] = [];
  trouble: HubTrouble = {};
  /** Tree entries per page (the real hub pages long listings). */
  pageSize = 1000;
  private server: http.Server;
  private cutDone = false;

  constructor(readonly repos: Record<string, FakeRepo>) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private isLfs(f: FakeFile): boolean {
    return f.lfs ?? f.content.length > 4096;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const record = (status: number) =>
      this.requests.push({ method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), range: req.headers.range ?? null, authorization: req.headers.authorization ?? null, status });
    const fail = (status: number, code: string, message: string) => {
      record(status);
      res.writeHead(status, { 'Content-Type': 'application/json', 'X-Error-Code': code, 'X-Error-Message': message });
      res.end(JSON.stringify({ error: message }));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'MethodNotAllowed', 'Method not allowed');

    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.*))?$/.exec(url.pathname);
    if (tree) {
      const [, repoId, , prefix = ''] = tree.map((s) => (s === undefined ? s : decodeURIComponent(s)));
      const repo = this.repos[repoId];
      if (!repo) return fail(401, 'RepoNotFound', 'Repository not found');
      if (repo.gatedToken && req.headers.authorization !== `Bearer ${repo.gatedToken}`) return fail(401, 'GatedRepo', 'Access to this model is restricted');
      const recursive = url.searchParams.get('recursive') === 'true';
      const entries = this.treeEntries(repo, prefix, recursive);
      if (prefix && !entries.length) return fail(404, 'EntryNotFound', `${prefix} does not exist`);
      const cursor = Number(url.searchParams.get('cursor') ?? 0);
      const page = entries.slice(cursor, cursor + this.pageSize);
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (cursor + this.pageSize < entries.length) {
        const next = new URL(url.toString());
        next.searchParams.set('cursor', String(cursor + this.pageSize));
        headers.Link = `<${this.url}${next.pathname}${next.search}>; rel="next"`;
      }
      record(200);
      res.writeHead(200, headers);
      res.end(JSON.stringify(page));
      return;
    }

    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const cdn = /^\/cdn\/([^/]+\/[^/]+)\/(.+)$/.exec(url.pathname);
    const m = resolve ?? cdn;
    if (!m) return fail(404, 'NotFound', 'Not found');
    const repoId = decodeURIComponent(m[1]);
    const filePath = decodeURIComponent(resolve ? m[3] : m[2]);
    const repo = this.repos[repoId];
    if (!repo) return fail(401, 'RepoNotFound', 'Repository not found');
    if (repo.gatedToken && req.headers.authorization !== `Bearer ${repo.gatedToken}` && !cdn) return fail(401, 'GatedRepo', 'Access to this model is restricted');
    const file = repo.files[filePath];
    if (!file) return fail(404, 'EntryNotFound', `${filePath} does not exist`);

    if (resolve && this.isLfs(file)) {
      record(302);
      res.writeHead(302, {
        Location: `${this.url}/cdn/${repoId}/${filePath.split('/').map(encodeURIComponent).join('/')}`,
        'X-Linked-Etag': `"${sha256(file.content)}"`,
        'X-Linked-Size': String(file.content.length),
        'X-Repo-Commit': COMMIT,
        ETag: `"${gitBlobOid(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(file.content)}\nsize ${file.content.length}\n`))}"`,
      });
      res.end();
      return;
    }
    this.sendBody(req, res, filePath, file, record);
  }

  private treeEntries(repo: FakeRepo, prefix: string, recursive: boolean) {
    const out: unknown[] = [];
    const dirs = new Set<string>();
    for (const [p, f] of Object.entries(repo.files).sort(([a], [b]) => a.localeCompare(b))) {
      if (prefix && !p.startsWith(`${prefix}/`)) continue;
      const rest = prefix ? p.slice(prefix.length + 1) : p;
      if (!recursive && rest.includes('/')) {
        dirs.add(`${prefix ? `${prefix}/` : ''}${rest.split('/')[0]}`);
        continue;
      }
      const size = this.trouble.listedSize?.[p] ?? f.content.length;
      const lfs = this.isLfs(f) ? { lfs: { oid: sha256(f.content), size, pointerSize: 134 } } : {};
      out.push({ type: 'file', oid: gitBlobOid(f.content), size, path: p, ...lfs });
    }
    for (const d of dirs) out.unshift({ type: 'directory', oid: gitBlobOid(Buffer.from(d)), size: 0, path: d });
    return out;
  }

  private sendBody(req: http.IncomingMessage, res: http.ServerResponse, filePath: string, file: FakeFile, record: (s: number) => void): void {
    let body = file.content;
    if (this.trouble.corrupt?.has(filePath)) {
      body = Buffer.from(body);
      body[Math.floor(body.length / 2)] ^= 0xff;
    }
    const size = body.length;
    const headers: Record<string, string> = {
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      ETag: this.isLfs(file) ? `"${sha256(file.content)}"` : `"${gitBlobOid(file.content)}"`,
      'X-Repo-Commit': COMMIT,
    };
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = req.headers.range ? /^bytes=(\d+)-(\d*)$/.exec(req.headers.range) : null;
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) {
        record(416);
        res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
        res.end();
        return;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['Content-Length'] = String(end - start + 1);
    record(status);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') return void res.end();
    const slice = body.subarray(start, end + 1);
    const cut = this.trouble.cutAfter && this.trouble.cutAfter.path === filePath && !this.cutDone ? this.trouble.cutAfter.bytes : null;
    void this.stream(res, slice, cut);
  }

  private async stream(res: http.ServerResponse, data: Buffer, cutAt: number | null): Promise<void> {
    const rate = this.trouble.bytesPerSecond ?? 0;
    const chunk = rate ? Math.max(1024, Math.floor(rate / 20)) : 64 * 1024;
    for (let off = 0; off < data.length; off += chunk) {
      if (res.destroyed) return;
      let piece = data.subarray(off, Math.min(off + chunk, data.length));
      if (cutAt !== null && off + piece.length >= cutAt) {
        piece = piece.subarray(0, cutAt - off);
        this.cutDone = true;
        res.write(piece);
        // Like a dropped connection: the socket goes away mid-body.
        await new Promise((r) => setTimeout(r, 20));
        res.socket?.destroy();
        return;
      }
      if (!res.write(piece)) await new Promise((r) => res.once('drain', r));
      if (rate) await new Promise((r) => setTimeout(r, (piece.length / rate) * 1000));
    }
    res.end();
  }
}

export async function startHfHubFake(repos: Record<string, FakeRepo>): Promise<HfHubFake> {
  const hub = new HfHubFake(repos);
  await hub.listen();
  return hub;
}
