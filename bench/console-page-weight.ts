/**
 * Bench: the console page's first load: the bytes of every file it fetches, as the server
 * sends them (common/http StaticAssets: brotli, gzip, none), against a budget of 250 KB
 * compressed; and no reference outside the host.
 *
 *   1. the files a first load fetches: `/`, then every `src`/`href` in index.html, then every
 *      module a fetched script imports (`import … from './x.js'`), transitively;
 *   2. any reference that names a scheme or a host (`http:`, `https:`, `//host`) other than
 *      `data:` fails the run: the page must work with no request outside the host;
 *   3. the total per encoding; brotli is what Chromium asks for.
 *
 * Run: npx tsx bench/console-page-weight.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StaticAssets } from '../common/http/index.js';
import { STATIC_DIR } from '../operator/index.js';

export const BUDGET_BYTES = 250 * 1024;

/** Step 1 and 2: the served paths a first load fetches. */
export function firstLoad(dir: string): string[] {
  const seen = new Set<string>(['/']);
  const queue = ['/index.html'];
  while (queue.length > 0) {
    const path = queue.shift()!;
    const text = readFileSync(join(dir, path), 'utf8');
    const refs = path.endsWith('.html')
      ? [...text.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
      : path.endsWith('.js')
        ? [...text.matchAll(/\bimport\s[^'"]*['"]([^'"]+)['"]/g)].map((m) => m[1]!)
        : [...text.matchAll(/url\(\s*['"]?([^'")]+)/g)].map((m) => m[1]!);
    for (const ref of refs) {
      if (ref.startsWith('data:')) continue;
      if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(ref)) throw new Error(`bench: ${path} references ${ref}, outside the host; ship the file in operator/console/static/`);
      const resolved = new URL(ref, `http://host${path}`).pathname;
      if (!seen.has(resolved)) {
        seen.add(resolved);
        queue.push(resolved);
      }
    }
  }
  return [...seen].sort();
}

export function main(): { paths: string[]; br: number; gzip: number; identity: number } {
  const assets = StaticAssets.load(STATIC_DIR);
  const paths = firstLoad(STATIC_DIR);
  for (const p of paths) if (!assets.paths.includes(p)) throw new Error(`bench: the page references ${p}, which the console does not serve`);
  const r = { paths, br: assets.bytes(paths, 'br'), gzip: assets.bytes(paths, 'gzip'), identity: assets.bytes(paths, 'identity') };
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
  console.log(`console page weight: first load ${paths.length} files (${paths.join(' ')}), no reference outside the host`);
  console.log(`  brotli ${kb(r.br)}, gzip ${kb(r.gzip)}, uncompressed ${kb(r.identity)}; budget ${kb(BUDGET_BYTES)} compressed: ${(r.br / BUDGET_BYTES).toFixed(3)} of it (${r.br < BUDGET_BYTES ? 'within' : 'OVER'})`);
  if (r.br >= BUDGET_BYTES) throw new Error(`bench: the console's first load is ${kb(r.br)} compressed, over the ${kb(BUDGET_BYTES)} budget`);
  return r;
}

if (import.meta.url === `file://${process.argv[1]}`) main();
