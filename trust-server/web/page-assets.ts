/**
 * MyNet Manager's page files (static/), read once at start and answered from memory: a request
 * is served only when its raw path (before any decoding) is one of the loaded files, so no path
 * (`..`, `%2e%2e`, a symlink added later) can reach the file system.
 *
 * Must hold: every answer carries PAGE_HEADERS (a strict CSP, `default-src 'self'`: no inline
 * script or style, nosniff, no framing); only GET and HEAD are answered.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

/** What the listener needs of a page: answer a request, or say it is not a page file. */
export interface PageAssets {
  serve(req: IncomingMessage, res: ServerResponse): boolean;
}

export const PAGE_DIR = new URL('./static/', import.meta.url);

export function loadPageAssets(dir: string): PageAssets {
  const files = new Map<string, { type: string; body: Buffer; etag: string }>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const type = TYPES[extname(p)];
        if (type === undefined) throw new Error(`MyNet Manager page: ${p} has a type the page may not ship; use .html, .js, .css or .svg, or move it out of ${dir}`);
        const body = readFileSync(p);
        files.set(`/${relative(dir, p).split(sep).join('/')}`, { type, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
      }
    }
  };
  walk(dir);
  const index = files.get('/index.html');
  if (index === undefined) throw new Error(`MyNet Manager page: ${dir} has no index.html`);
  files.set('/', index);
  return {
    serve(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const raw = (req.url ?? '/').split('?')[0] ?? '/';
      const f = files.get(raw);
      if (f === undefined) return false;
      const headers = { ...PAGE_HEADERS, 'Content-Type': f.type, 'Cache-Control': 'no-cache', ETag: f.etag };
      if (req.headers['if-none-match'] === f.etag) {
        res.writeHead(304, headers);
        res.end();
        return true;
      }
      res.writeHead(200, { ...headers, 'Content-Length': f.body.length });
      res.end(req.method === 'HEAD' ? undefined : f.body);
      return true;
    },
  };
}
