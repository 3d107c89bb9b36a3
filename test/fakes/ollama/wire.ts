import type { IncomingMessage, ServerResponse } from 'node:http';

/** How Ollama (gin) writes JSON and NDJSON, including its error conventions. */

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status = 200): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Length': 0 });
  res.end();
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * routes.go streamResponse: an error before any line is written becomes the HTTP status with
 * `{"error": …}`; after that it is one more NDJSON line under the 200 already sent.
 */
export class NdjsonStream {
  written = false;
  closed = false;
  constructor(private res: ServerResponse) {
    res.on('close', () => (this.closed = true));
  }
  write(obj: unknown): void {
    if (this.closed || this.res.destroyed) return;
    if (!this.written) {
      this.res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      this.written = true;
    }
    this.res.write(JSON.stringify(obj) + '\n');
  }
  fail(message: string, status = 500): void {
    if (this.closed || this.res.destroyed) return;
    if (!this.written) return sendJson(this.res, status, { error: message });
    this.res.end(JSON.stringify({ error: message }) + '\n');
    this.closed = true;
  }
  end(): void {
    if (this.closed || this.res.destroyed) return;
    if (!this.written) this.res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    this.res.end();
    this.closed = true;
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** gin's ShouldBindJSON: an empty body is io.EOF ("missing request body"), bad JSON a 400. */
export function parseJsonBody(buf: Buffer): Record<string, unknown> {
  if (buf.length === 0) throw new HttpError(400, 'missing request body');
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new HttpError(400, `json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go value of type api.Request`);
  }
  return v as Record<string, unknown>;
}

type Kind = 'string' | 'boolean' | 'number' | 'object' | 'array';

/** Go's json decoding refuses a field of the wrong type with a 400. */
export function checkTypes(body: Record<string, unknown>, fields: Record<string, Kind>, struct: string): void {
  for (const [k, kind] of Object.entries(fields)) {
    const v = body[k];
    if (v === undefined || v === null) continue;
    const actual = Array.isArray(v) ? 'array' : typeof v;
    if (actual !== kind) {
      throw new HttpError(400, `json: cannot unmarshal ${actual} into Go struct field ${struct}.${k} of type ${kind}`);
    }
  }
}

/** api.Duration: a number of seconds, or a Go duration string; negative means forever. */
export function parseKeepAlive(v: unknown): number | 'forever' | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v < 0 ? 'forever' : v * 1000;
  if (typeof v !== 'string') throw new HttpError(400, `Unsupported type: '${typeof v}'`);
  if (v === '0') return 0;
  const re = /(-?\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let consumed = 0;
  for (const m of v.matchAll(re)) {
    total += Number(m[1]) * units[m[2]];
    consumed += m[0].length;
  }
  if (consumed !== v.length || consumed === 0) {
    throw new HttpError(400, /^-?\d+(\.\d+)?$/.test(v) ? `time: missing unit in duration "${v}"` : `time: invalid duration "${v}"`);
  }
  return total < 0 ? 'forever' : total;
}

export const nowIso = () => new Date().toISOString();
