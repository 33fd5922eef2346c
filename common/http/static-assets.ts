/**
 * A web page's files, served from memory: every file of a folder is read, typed and compressed
 * once at start (gzip and brotli), and a request is answered only by looking its path up in
 * that table. No request ever reaches the file system, so no path (`..`, `%2e%2e`, `\`,
 * a symlink added later) can name a file outside the folder.
 *
 *   1. load(dir): walk the folder (no symlinks followed), refuse a file whose type is not in
 *      TYPES (the fix: rename it or leave it out), keep `/index.html` also as `/`;
 *   2. serve(req, res): GET or HEAD only; the raw path (before any decoding) must be a key of
 *      the table, else false (the caller answers 404); 304 when If-None-Match names the ETag;
 *      the smallest encoding the client accepts (br, then gzip, then none).
 *
 * Must hold: every answer carries SECURITY_HEADERS (a strict CSP: scripts, styles and
 * connections to this origin only, so a page works with no request outside the host);
 * `Cache-Control: no-cache` (revalidate by ETag), since a page and its API change together.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

/** The file types a page may ship (RFC 9110 §8.3 media types; RFC 9239 for JavaScript). */
export const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * Sent with every page answer (and meant for the API's too): CSP Level 3 (`'self'` covers
 * ws:/wss: to the same host), no framing, no Referer (a console URL carries its token in the
 * fragment, which is never sent, but a page must not leak its path either), no MIME sniffing.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

interface Asset {
  readonly type: string;
  readonly etag: string;
  readonly identity: Buffer;
  readonly gzip: Buffer;
  readonly br: Buffer;
}

export type AssetEncoding = 'identity' | 'gzip' | 'br';

export class StaticAssets {
  readonly #byPath: ReadonlyMap<string, Asset>;

  private constructor(byPath: ReadonlyMap<string, Asset>) {
    this.#byPath = byPath;
  }

  /** Reads `dir` whole; throws naming the file when one cannot be served. */
  static load(dir: string): StaticAssets {
    const byPath = new Map<string, Asset>();
    for (const file of walk(dir)) {
      const type = TYPES[extname(file).toLowerCase()];
      const rel = relative(dir, file).split(sep).join('/');
      if (type === undefined) throw new Error(`web assets: ${file} has a type no page may ship (${extname(file) || 'no extension'}); use one of ${Object.keys(TYPES).join(' ')} or move it out of ${dir}`);
      const identity = readFileSync(file);
      const asset: Asset = {
        type,
        etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 22)}"`,
        identity,
        gzip: gzipSync(identity, { level: 9 }),
        br: brotliCompressSync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
      };
      byPath.set(`/${rel}`, asset);
      if (rel === 'index.html') byPath.set('/', asset);
    }
    if (!byPath.has('/')) throw new Error(`web assets: ${dir} has no index.html; the page starts there`);
    return new StaticAssets(byPath);
  }

  /** The served paths (`/` included), sorted. */
  get paths(): string[] {
    return [...this.#byPath.keys()].sort();
  }

  /** Bytes a first load of `paths` costs in an encoding (the page-weight budget). */
  bytes(paths: readonly string[], encoding: AssetEncoding): number {
    let n = 0;
    for (const p of paths) n += this.#byPath.get(p)?.[encoding].length ?? 0;
    return n;
  }

  /** Answers the request when its path is a loaded file; false (nothing sent) otherwise. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return false;
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const asset = this.#byPath.get(q < 0 ? raw : raw.slice(0, q));
    if (asset === undefined) return false;
    const headers: Record<string, string | number> = { ...SECURITY_HEADERS, 'Content-Type': asset.type, 'Cache-Control': 'no-cache', ETag: asset.etag, Vary: 'Accept-Encoding' };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    const encoding = pickEncoding(req.headers['accept-encoding']);
    const body = asset[encoding];
    if (encoding !== 'identity') headers['Content-Encoding'] = encoding;
    headers['Content-Length'] = body.length;
    res.writeHead(200, headers);
    res.end(method === 'HEAD' ? undefined : body);
    return true;
  }
}

/** br over gzip over none (RFC 9110 §12.5.3; q=0 refuses one). */
export function pickEncoding(header: string | undefined): AssetEncoding {
  if (header === undefined) return 'identity';
  const accepted = new Set<string>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) continue;
    accepted.add(name.trim());
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return 'identity';
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    const st = lstatSync(path);
    if (st.isDirectory()) out.push(...walk(path));
    else if (st.isFile()) out.push(path);
    // a symlink or a device node is not part of a page: left out
  }
  return out;
}
