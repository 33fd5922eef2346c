// `npm run build`'s second step: tsc compiles the TypeScript into dist/, and this copies
// each web page's `static/` folder beside its compiled server code (dist/<same path>/static),
// where the server finds it (new URL('./static/', import.meta.url)).
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SKIP = new Set(['node_modules', 'dist', '.git', 'bench', 'scripts', 'docs']);

function copyStatic(dir) {
  for (const entry of readdirSync(dir)) {
    if (SKIP.has(entry) || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) continue;
    if (entry === 'static') {
      cpSync(path, join('dist', path), { recursive: true });
      console.log(`copied ${path} → dist/${path}`);
    } else copyStatic(path);
  }
}

if (!existsSync('dist')) throw new Error('copy-static: dist/ does not exist; run tsc -p tsconfig.build.json first');
copyStatic('.');
