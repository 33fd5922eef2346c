/**
 * Dockerfile.arm64 read as instructions: the rules in its header comment, each checked (no Docker
 * engine runs in the tests; scripts/arm64-image.sh builds and runs the image with buildah).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../common/test-support/index.js';
import { parseDockerfile, type DockerInstruction } from './unit-file.js';

const all = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile.arm64'), 'utf8'));
const froms = all.filter((i) => i.keyword === 'FROM');
const stage = (name: string): DockerInstruction[] => {
  const start = all.findIndex((i) => i.keyword === 'FROM' && i.args.endsWith(` AS ${name}`));
  const next = all.findIndex((i, n) => n > start && i.keyword === 'FROM');
  return all.slice(start, next === -1 ? undefined : next);
};
const build = stage('build');
const nodeOnly = stage('node-only');
const runtime = stage('runtime');
const args = (list: DockerInstruction[], keyword: string): string[] => list.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('Dockerfile.arm64', () => {
  it('takes its base as a build argument, node:20-bookworm-slim by default, for every stage on arm64; the runtime from scratch', () => {
    expect(all[0]).toMatchObject({ keyword: 'ARG', args: 'BASE_IMAGE=node:20-bookworm-slim' });
    expect(froms.map((f) => f.args)).toEqual([
      '--platform=linux/arm64 ${BASE_IMAGE} AS build',
      '--platform=linux/arm64 ${BASE_IMAGE} AS node-only',
      'scratch AS runtime',
    ]);
  });

  it('compiles in the build stage only: compilers there, none in the runtime, which copies the base without npm and the installed package', () => {
    expect(args(build, 'RUN').join('\n')).toMatch(/apt-get install -y --no-install-recommends python3 make g\+\+/);
    expect(args(build, 'RUN').join('\n')).toMatch(/npm install -g --prefix \/opt\/pia --omit=dev .*--allow-scripts=\S+ \/tmp\/pia-gateway-\*\.tgz/);
    expect(args(build, 'ENV')).toContain('npm_config_nodedir=/usr/local');
    for (const list of [nodeOnly, runtime]) expect(args(list, 'RUN').join('\n')).not.toMatch(/apt-get|g\+\+|make|python3|npm (ci|install|pack)/);
    expect(args(nodeOnly, 'RUN').join('\n')).toMatch(/rm -rf \/usr\/local\/include\/node \/usr\/local\/lib\/node_modules /);
    expect(args(nodeOnly, 'RUN').join('\n')).toMatch(/rm -f \/usr\/local\/bin\/npm \/usr\/local\/bin\/npx /);
    expect(args(runtime, 'COPY')).toEqual(['--from=node-only / /', '--from=build /opt/pia /opt/pia']);
    expect(runtime[1]).toMatchObject({ keyword: 'COPY', args: '--from=node-only / /' });
    expect(args(runtime, 'ENV').join('\n')).toMatch(/PATH=\/opt\/pia\/bin:\/usr\/local\/sbin:\/usr\/local\/bin:/);
  });

  it('leaves the build leftovers of the native addons in the build stage, and loads every addon after the clean-up', () => {
    const cleanup = build.filter((i) => i.keyword === 'RUN').at(-1)!.args;
    expect(cleanup).toContain('rm -rf better-sqlite3/deps better-sqlite3/src');
    expect(cleanup).toMatch(/-path '\*\/build\/Release'.*! -name Release -exec rm -rf .*! -name '\*\.node' -o -name 'test_\*'.*strip --strip-unneeded/);
    expect(cleanup).toMatch(/-name prebuilds .*\[ "\$\{d##\*\/\}" = "\$1" \] \|\| rm -rf "\$d".* \{\} "\$platform"/);
    const loaded = /node -e "(.*)"$/.exec(cleanup)?.[1] ?? '';
    expect(loaded).toContain("r('better-sqlite3')(':memory:').close()");
    for (const m of ['i2c-bus', 'epoll', '@serialport/bindings-cpp', 'sodium-native']) expect(loaded).toContain(`'${m}'`);
  });

  it('hands npm the network CA only as the npm-ca build secret, never through ENV or a layer', () => {
    const npmRuns = build.filter((i) => i.keyword === 'RUN' && /npm (ci|pack|install)/.test(i.args));
    expect(npmRuns).toHaveLength(2);
    for (const run of npmRuns) {
      expect(run.args).toMatch(/^--mount=type=secret,id=npm-ca if \[ -s \/run\/secrets\/npm-ca \]; then export NPM_CONFIG_CAFILE=\/run\/secrets\/npm-ca; fi && npm /);
    }
    expect(all.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG').map((i) => i.args).join('\n')).not.toMatch(/cafile|npm-ca/i);
  });

  it('runs as pia-gateway in gpio, i2c and dialout with the Pi\'s usual GIDs', () => {
    expect(args(runtime, 'ARG')).toEqual(['GPIO_GID=997', 'I2C_GID=998', 'DIALOUT_GID=20']);
    const setup = args(runtime, 'RUN').join('\n');
    for (const [group, gid] of [['gpio', 'GPIO_GID'], ['i2c', 'I2C_GID'], ['dialout', 'DIALOUT_GID']]) expect(setup).toContain(`groupadd --system --gid "\${${gid}}" ${group}`);
    expect(setup).toMatch(/useradd --system .*--groups gpio,i2c,dialout pia-gateway/);
    const users = args(runtime, 'USER');
    expect(users).toEqual(['pia-gateway']);
    expect(runtime.findIndex((i) => i.keyword === 'USER')).toBeLessThan(runtime.findIndex((i) => i.keyword === 'ENTRYPOINT'));
  });

  it('checks /healthz with Node (no curl), keeps state on a volume, and runs pia-gateway run', () => {
    const health = args(runtime, 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(health[0]).toMatch(/CMD \["node", "-e", "fetch\('http:\/\/127\.0\.0\.1:9464\/healthz'\)/);
    expect(health[0]).not.toMatch(/curl|wget/);
    expect(args(runtime, 'VOLUME')).toEqual(['/var/lib/pia-gateway']);
    expect(JSON.parse(args(runtime, 'ENTRYPOINT')[0]!)).toEqual(['/opt/pia/bin/pia-gateway', 'run']);
    expect(JSON.parse(args(runtime, 'CMD')[0]!)).toEqual(['--config', '/etc/pia-gateway/gateway.yaml']);
  });

  it("allows the same install scripts as the installer, and .dockerignore keeps the host's node_modules out", () => {
    const installer = /^ALLOW_SCRIPTS="([^"]*)"$/m.exec(readFileSync(join(REPO_ROOT, 'scripts/install-pi.sh'), 'utf8'))?.[1];
    expect(/--allow-scripts=(\S+)/.exec(args(build, 'RUN').join('\n'))?.[1]).toBe(installer);
    expect(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });
});

describe('parseDockerfile', () => {
  it('joins continuations, drops comments, keeps the first line number', () => {
    expect(parseDockerfile('# c\nFROM x AS a\nRUN a \\\n  # inside\n && b\nuser nobody\n')).toEqual([
      { line: 2, keyword: 'FROM', args: 'x AS a' },
      { line: 3, keyword: 'RUN', args: 'a && b' },
      { line: 6, keyword: 'USER', args: 'nobody' },
    ]);
  });
});
