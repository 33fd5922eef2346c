/**
 * The layer check (rules.ts): reads every TypeScript file of the layered folders, finds each
 * relative import (`import … from`, `export … from`, `import '…'`, `import('…')`), and reports
 * the ones that point up or sideways, or enter another folder behind its `index.ts`.
 *
 * Usage: `tsx scripts/layers/check.ts [ROOT]` — prints one line per violation
 * (`FILE:LINE: …, fix: …`) and exits 1 when there is any; `npm run lint` runs it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { LAYERED_FOLDERS, MAY_IMPORT, TESTS_MAY_ALSO_IMPORT } from './rules.js';

export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Every `.ts` file below `dir` (node_modules and dist left out). */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function topFolder(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  return rel.startsWith('..') ? undefined : rel.split(sep)[0];
}

/** The violations in one file's text. `file` is its path under `root`. */
export function checkFile(root: string, file: string, text: string): Violation[] {
  const from = topFolder(root, file);
  if (from === undefined || !(from in MAY_IMPORT)) return [];
  const isTestCode = /\.test\.ts$/.test(file) || file.split(sep).includes('test-support');
  const allowed = [...(MAY_IMPORT[from] ?? []), ...(isTestCode ? (TESTS_MAY_ALSO_IMPORT[from] ?? []) : [])];
  const out: Violation[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? '';
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    const to = topFolder(root, target);
    if (to === undefined || to === from || !LAYERED_FOLDERS.includes(to)) continue;
    const line = text.slice(0, m.index).split('\n').length;
    const where = relative(root, file);
    if (!allowed.includes(to)) {
      out.push({ file: where, line, message: `${from}/ imports ${to}/ ('${spec}'), which the layers do not allow (${isTestCode ? 'its test code' : `${from}/`} may import ${allowed.join(', ') || 'nothing'}); fix: move the shared piece down into a folder both may import, or invert the dependency (pass it in)` });
    } else if (!target.endsWith(`${sep}index.ts`)) {
      out.push({ file: where, line, message: `'${spec}' reaches into ${to}/ behind its public face; fix: import it from that folder's index.ts (export it there if it is meant to be used outside)` });
    }
  }
  return out;
}

export function checkTree(root: string): Violation[] {
  const out: Violation[] = [];
  for (const folder of LAYERED_FOLDERS) {
    let files: string[];
    try {
      files = tsFiles(join(root, folder));
    } catch {
      continue; // a layer without a folder yet
    }
    for (const file of files) out.push(...checkFile(root, file, readFileSync(file, 'utf8')));
  }
  return out;
}

/** The command: prints every violation under `root` and a summary; returns the exit code (1 when any). */
export function runCheck(root: string, out: (line: string) => void): number {
  const found = checkTree(root);
  for (const v of found) out(`${v.file}:${v.line}: ${v.message}`);
  if (found.length > 0) {
    out(`layers: ${found.length} import${found.length === 1 ? '' : 's'} break the layers (scripts/layers/rules.ts, docs/architecture.md)`);
    return 1;
  }
  out('layers: every cross-folder import points down, through an index.ts');
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = runCheck(resolve(process.argv[2] ?? '.'), (line) => console.log(line));
