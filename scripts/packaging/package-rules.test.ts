/** The package rules on made-up file lists and sources: each rule finds what it is for. */
import { describe, expect, it } from 'vitest';
import { bareImports, checkDependencies, checkPackedFiles, packageOf, REQUIRED_FILES } from './package-rules.js';

const BINS = ['dist/firmware/cli/pia-gateway.js'];
const complete = [...REQUIRED_FILES, ...BINS, 'dist/trust-server/web/static/app.js'];

describe('checkPackedFiles', () => {
  it('accepts a complete list', () => {
    expect(checkPackedFiles(complete, BINS, ['trust-server/web/static/app.js'])).toEqual([]);
  });

  it('names a missing unit, program entry and static file', () => {
    const files = complete.filter((f) => !f.endsWith('pia-trust.service') && f !== BINS[0] && !f.includes('static'));
    expect(checkPackedFiles(files, BINS, ['trust-server/web/static/app.js'])).toEqual([
      'trust-server/systemd/pia-trust.service: missing from the package',
      'dist/firmware/cli/pia-gateway.js: missing from the package',
      'dist/trust-server/web/static/app.js: web page file missing (npm run build copies static/ folders)',
    ]);
  });

  it('refuses tests, test support, maps, declarations, sources, benchmarks and strays', () => {
    const extra = ['dist/pia/node/node.test.js', 'dist/pia/handshake/test-support/index.js', 'dist/trust-server/web/test-support.js', 'dist/pia/phase3/vectors/phase3-vectors.js', 'dist/common/clock.js.map', 'dist/common/clock.d.ts', 'common/clock.ts', 'bench/run-all.ts', 'scripts/demo.ts', 'trust-server/web/test-fixtures/a.json'];
    const problems = checkPackedFiles([...complete, ...extra], BINS, []);
    expect(problems).toEqual([
      'dist/pia/node/node.test.js: a test does not belong in the package',
      'dist/pia/handshake/test-support/index.js: test support does not belong in the package',
      'dist/trust-server/web/test-support.js: test support does not belong in the package',
      'dist/pia/phase3/vectors/phase3-vectors.js: test vectors does not belong in the package',
      'dist/common/clock.js.map: a source map does not belong in the package',
      'dist/common/clock.d.ts: a type declaration does not belong in the package',
      'common/clock.ts: TypeScript source does not belong in the package',
      'bench/run-all.ts: TypeScript source does not belong in the package',
      'scripts/demo.ts: TypeScript source does not belong in the package',
      'trust-server/web/test-fixtures/a.json: a test fixture does not belong in the package',
    ]);
    expect(checkPackedFiles([...complete, 'scripts/ensure-deps.sh'], BINS, [])).toEqual(['scripts/ensure-deps.sh: not something the programs need (add it to the rules if they do)']);
  });
});

describe('imports and dependencies', () => {
  const js = [
    "import { a } from './local.js';",
    "import Database from 'better-sqlite3';",
    "export { x } from '@noble/ciphers/aes.js';",
    "import 'side-effect';",
    "import { readFile } from 'node:fs/promises';",
    "const m = await import('onoff');",
    "const s = 'from \"not-an-import\"';",
  ].join('\n');

  it('finds static, re-exported, bare and dynamic imports, not strings', () => {
    expect(bareImports(js).sort()).toEqual(['@noble/ciphers/aes.js', 'better-sqlite3', 'node:fs/promises', 'onoff', 'side-effect']);
    expect(packageOf('@noble/ciphers/aes.js')).toBe('@noble/ciphers');
    expect(packageOf('ajv/dist/2020.js')).toBe('ajv');
  });

  it('names an import no dependency satisfies, and a type package among dependencies', () => {
    const manifest = { dependencies: { 'better-sqlite3': '^12', '@noble/ciphers': '^2', onoff: '^6', '@types/ws': '^8' } };
    expect(checkDependencies(manifest, new Map([['dist/x.js', js]]))).toEqual([
      'package.json: @types/ws is a type package; move it to devDependencies',
      'dist/x.js: imports "side-effect", but side-effect is not in dependencies (add it there, or keep it out of runtime code)',
    ]);
    expect(checkDependencies({ dependencies: { 'better-sqlite3': '^12', '@noble/ciphers': '^2', onoff: '^6', 'side-effect': '1' } }, new Map([['dist/x.js', js]]))).toEqual([]);
  });
});
