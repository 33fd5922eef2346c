/**
 * The npm package as a user gets it (docs/install.md, "The package"):
 *
 * 1. `npm pack` (its prepack builds dist/) into a temp folder; the tarball's list meets
 *    package-rules.ts (what the programs need is there, no tests, maps or sources);
 * 2. the compiled code imports only Node built-ins and `dependencies`;
 * 3. `npm install -g --prefix TMP` of the tarball, using the npm cache the checkout's install
 *    filled (`--prefer-offline`) and the `--allow-scripts` list from package.json's
 *    `allowScripts`: npm prints no install-scripts warning, every native addon gets its binary;
 * 4. each of the six programs' `--help` runs from TMP/bin: exit 0, its usage text (its name,
 *    then a usage line that starts with it).
 *
 * better-sqlite3's install script is prebuild-install: on a connected machine it downloads the
 * release's binary; offline it would compile SQLite (minutes on two cores). The test hands it
 * the binary the checkout's install built, as a local prebuild (a `.prebuild-installrc` in
 * TMP, found by walking up from the installed package): the script still runs.
 * The figures (tarball size and file count, installed size) are printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessTracker, REPO_ROOT } from '../../common/test-support/index.js';
import { checkDependencies, checkPackedFiles } from './package-rules.js';

interface Manifest {
  name: string;
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
}

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
const tracker = new ProcessTracker();
const tmp = mkdtempSync(join(tmpdir(), 'pia-package-'));
let tarball = '';
let files: string[] = [];

/** Every file of every `static/` folder in the source tree (paths from the repository root). */
function staticFiles(dir = REPO_ROOT): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || ['node_modules', 'dist', 'bench', 'scripts', 'docs'].includes(entry.name) || !entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (entry.name === 'static') out.push(...walk(path).map((f) => relative(REPO_ROOT, f)));
    else out.push(...staticFiles(path));
  }
  return out;
}
const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
const du = (dir: string): number => walk(dir).reduce((sum, f) => sum + statSync(f).size, 0);
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;

beforeAll(async () => {
  const packed = await tracker.run('npm', ['pack', '--json', '--pack-destination', tmp], 120_000, { name: 'npm pack' });
  expect(packed.code, packed.stderr).toBe(0);
  const info = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[\n'))) as Array<{ filename: string; size: number; unpackedSize: number; entryCount: number }>)[0]!;
  tarball = join(tmp, info.filename);
  files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter((l) => l !== '' && !l.endsWith('/')).map((l) => l.replace(/^package\//, ''));
  console.log(`package: ${info.filename} ${mb(info.size)} packed, ${mb(info.unpackedSize)} unpacked, ${info.entryCount} files`);
}, 150_000);

afterAll(async () => {
  await tracker.stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('holds what the programs need and nothing else', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(checkPackedFiles(files, Object.values(manifest.bin), staticFiles())).toEqual([]);
  });

  it('runtime code imports only Node built-ins and dependencies', () => {
    const root = join(tmp, 'unpacked');
    mkdirSync(root);
    execFileSync('tar', ['-xzf', tarball, '-C', root]);
    const sources = new Map(walk(join(root, 'package/dist')).filter((f) => f.endsWith('.js')).map((f) => [relative(root, f), readFileSync(f, 'utf8')] as const));
    expect(sources.size).toBeGreaterThan(100);
    expect(checkDependencies(manifest, sources)).toEqual([]);
  });

  it('installs globally without install-script warnings, and every program answers --help', async () => {
    // The local prebuild for better-sqlite3 (see the module comment).
    const sqliteDir = join(createRequire(join(REPO_ROOT, 'package.json')).resolve('better-sqlite3/package.json'), '..');
    const sqliteVersion = (JSON.parse(readFileSync(join(sqliteDir, 'package.json'), 'utf8')) as { version: string }).version;
    const stage = join(tmp, 'prebuild-stage/build/Release');
    mkdirSync(stage, { recursive: true });
    copyFileSync(join(sqliteDir, 'build/Release/better_sqlite3.node'), join(stage, 'better_sqlite3.node'));
    const prebuilds = join(tmp, 'prebuilds');
    mkdirSync(prebuilds);
    execFileSync('tar', ['-czf', join(prebuilds, `better-sqlite3-v${sqliteVersion}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`), '-C', join(tmp, 'prebuild-stage'), 'build']);
    writeFileSync(join(tmp, '.prebuild-installrc'), `local-prebuilds=${prebuilds}\n`);

    const prefix = join(tmp, 'prefix');
    const allow = Object.entries(manifest.allowScripts).filter(([, ok]) => ok).map(([name]) => name).join(',');
    const install = await tracker.run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', `--allow-scripts=${allow}`, tarball], 150_000, { name: 'npm install -g', cwd: tmp });
    expect(install.code, install.stderr + install.stdout).toBe(0);
    expect(install.stderr + install.stdout).not.toMatch(/install-scripts|Unknown (env )?config/);
    const installed = join(prefix, 'lib/node_modules', manifest.name);
    for (const addon of ['better-sqlite3/build/Release/better_sqlite3.node', 'i2c-bus/build/Release/i2c.node', 'epoll/build/Release/epoll.node']) {
      expect(existsSync(join(installed, 'node_modules', addon)), addon).toBe(true);
    }
    console.log(`installed: ${mb(du(installed))} (${manifest.name} and its dependencies, ${readdirSync(join(installed, 'node_modules')).length} top-level entries)`);

    const helps = await Promise.all(Object.keys(manifest.bin).map(async (program) => ({ program, ...(await tracker.run(join(prefix, 'bin', program), ['--help'], 30_000, { name: program, cwd: tmp })) })));
    for (const h of helps) {
      expect({ program: h.program, code: h.code, stderr: h.stderr }).toEqual({ program: h.program, code: 0, stderr: '' });
      // Usage text: the program's name, then a usage line that starts with it.
      expect(h.stdout.startsWith(`${h.program}: `), h.program).toBe(true);
      expect(h.stdout.match(new RegExp(`^\\s+${h.program} \\S`, 'gm'))?.length ?? 0, h.program).toBeGreaterThanOrEqual(1);
    }
    expect(helps.map((h) => h.program).sort()).toEqual(['pia', 'pia-gateway', 'pia-provision', 'pia-sim', 'pia-trust', 'piactl']);
  }, 200_000);
});
