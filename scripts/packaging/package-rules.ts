/**
 * What the npm package (`npm pack`) must hold, as data and pure checks, so the process test
 * (package.process.test.ts) and its unit test share one definition (docs/install.md, "The package").
 *
 * Must hold:
 * 1. every program's compiled entry (package.json `bin`) is in the tarball, with the files the
 *    programs read at run time or point to: the systemd units, the example gateway.yaml, the
 *    READMEs their `--help` names, docs/, and every web page's `static/` folder beside its
 *    compiled server code (dist/<path>/static, scripts/copy-static.mjs);
 * 2. nothing else: no tests, test support, vectors, source maps, declarations, TypeScript
 *    sources, benchmarks or build scripts (only the installer from scripts/);
 * 3. runtime code imports only Node built-ins and `dependencies` (a devDependency is absent
 *    from an installed package, so such an import would fail on the Pi);
 * 4. type packages (`@types/*`) are devDependencies.
 */
import { builtinModules } from 'node:module';

/** Files the programs need or point to, beside `bin` and the static folders. */
export const REQUIRED_FILES: readonly string[] = [
  'package.json',
  'README.md',
  'firmware/systemd/pia-gateway.service',
  'trust-server/systemd/pia-trust.service',
  'firmware/config/examples/demo-building.yaml',
  'dist/firmware/config/gateway.schema.json',
  // The READMEs the programs' --help and error messages name.
  'firmware/config/README.md',
  'firmware/gateway/README.md',
  'trust-server/README.md',
  'operator/README.md',
  'provisioning/README.md',
  'docs/install.md',
  'docs/architecture.md',
  'docs/protocol.md',
  'docs/hardware.md',
  'docs/security.md',
  'scripts/install-pi.sh',
];

/** Where a packed file may live at all (rule 2): anything elsewhere is a packaging mistake. */
const ALLOWED = [/^package\.json$/, /^README\.md$/, /^LICENSE$/, /^docs\//, /^dist\//, /^[a-z-]+\/systemd\/[a-z-]+\.service$/, /^firmware\/config\/examples\//, /^[a-z-]+(\/[a-z-]+)?\/README\.md$/, /^scripts\/install-pi\.sh$/];

/** Never packed, wherever they sit (rule 2). */
const FORBIDDEN: ReadonlyArray<{ pattern: RegExp; what: string }> = [
  { pattern: /\.test\.[jt]s$/, what: 'a test' },
  { pattern: /(^|\/)test-support(\/|\.[jt]s$)/, what: 'test support' },
  { pattern: /(^|\/)test-fixtures\//, what: 'a test fixture' },
  { pattern: /(^|\/)vectors\//, what: 'test vectors' },
  { pattern: /\.map$/, what: 'a source map' },
  { pattern: /\.d\.ts$/, what: 'a type declaration' },
  { pattern: /(?<!\.d)\.ts$/, what: 'TypeScript source' },
  { pattern: /^(dist\/)?bench\//, what: 'a benchmark' },
];

/** Rules 1 and 2 for a tarball's file list (paths without the `package/` prefix). */
export function checkPackedFiles(files: readonly string[], bins: readonly string[], staticFiles: readonly string[]): string[] {
  const have = new Set(files);
  const problems: string[] = [];
  for (const f of [...REQUIRED_FILES, ...bins.map(stripDotSlash)]) if (!have.has(f)) problems.push(`${f}: missing from the package`);
  for (const f of staticFiles) if (!have.has(`dist/${f}`)) problems.push(`dist/${f}: web page file missing (npm run build copies static/ folders)`);
  for (const f of files) {
    const bad = FORBIDDEN.find((x) => x.pattern.test(f));
    if (bad !== undefined) problems.push(`${f}: ${bad.what} does not belong in the package`);
    else if (!ALLOWED.some((p) => p.test(f))) problems.push(`${f}: not something the programs need (add it to the rules if they do)`);
  }
  return problems;
}

const stripDotSlash = (p: string): string => p.replace(/^\.\//, '');

/** The bare module specifiers a compiled ES module imports (static, re-exports and dynamic). */
export function bareImports(source: string): string[] {
  const found = new Set<string>();
  const patterns = [/^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of source.matchAll(re)) if (!m[1]!.startsWith('.') && !m[1]!.startsWith('/')) found.add(m[1]!);
  return [...found];
}

/** The package a specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const BUILTINS = new Set(builtinModules);

/** Rules 3 and 4: imports by file that no runtime dependency satisfies, and misplaced @types. */
export function checkDependencies(manifest: { dependencies?: Record<string, string> }, sources: ReadonlyMap<string, string>): string[] {
  const deps = new Set(Object.keys(manifest.dependencies ?? {}));
  const problems: string[] = [];
  for (const d of deps) if (d.startsWith('@types/')) problems.push(`package.json: ${d} is a type package; move it to devDependencies`);
  for (const [file, source] of sources) {
    for (const spec of bareImports(source)) {
      if (spec.startsWith('node:') || BUILTINS.has(spec)) continue;
      const pkg = packageOf(spec);
      if (!deps.has(pkg)) problems.push(`${file}: imports "${spec}", but ${pkg} is not in dependencies (add it there, or keep it out of runtime code)`);
    }
  }
  return problems;
}
