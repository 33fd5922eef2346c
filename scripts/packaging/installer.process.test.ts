/**
 * scripts/install-pi.sh on a temp folder made to look like a Pi (`--root`): a device-tree model,
 * /etc/os-release, /boot/firmware/config.txt and cmdline.txt, /etc/group and /etc/passwd.
 *
 * 1. --dry-run prints every change and leaves the tree as it was;
 * 2. a real run writes the boot config (only the lines not there), the example config and the
 *    unit, and prints (does not run) useradd, npm install -g and systemctl;
 * 3. a second run changes nothing (the tree is byte for byte the same; it says so);
 * 4. a Pi 5 gets its UART line; a non-Pi or a non-bookworm root is refused (exit 3) untouched;
 * 5. a package tarball is kept for a rollback, and not reinstalled when that version is there;
 * 6. the installer's --allow-scripts list is package.json's allowScripts for runtime packages.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ProcessTracker, REPO_ROOT } from '../../common/test-support/index.js';

const INSTALLER = join(REPO_ROOT, 'scripts/install-pi.sh');
const tracker = new ProcessTracker();
const tmp = mkdtempSync(join(tmpdir(), 'pia-installer-'));
afterEach(() => tracker.stopAll());
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CONFIG_TXT = '# For more options and information see\n#dtparam=i2c_arm=on\n#dtparam=spi=on\ndtparam=audio=on\ncamera_auto_detect=1\n\n[cm4]\notg_mode=1\n\n[all]\n';
const CMDLINE = 'console=serial0,115200 console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 fsck.repair=yes rootwait\n';

let roots = 0;
/** A folder that looks like a Pi's root file system. */
function fakePi(model = 'Raspberry Pi 4 Model B Rev 1.5', codename = 'bookworm'): string {
  const root = join(tmp, `root${++roots}`);
  const write = (path: string, text: string): void => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('proc/device-tree/model', `${model}\0`);
  write('etc/os-release', `PRETTY_NAME="Debian GNU/Linux 12 (${codename})"\nVERSION_CODENAME=${codename}\nID=debian\n`);
  write('boot/firmware/config.txt', CONFIG_TXT);
  write('boot/firmware/cmdline.txt', CMDLINE);
  write('etc/group', 'root:x:0:\ndialout:x:20:pi\ngpio:x:997:pi\ni2c:x:998:pi\n');
  write('etc/passwd', 'root:x:0:0:root:/root:/bin/bash\npi:x:1000:1000::/home/pi:/bin/bash\n');
  return root;
}

/** Every file under `root` with its SHA-256 and mode: equal snapshots mean nothing changed. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        out[`${relative(root, path)}/`] = 'dir';
        walk(path);
      } else out[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(root);
  return out;
}

const install = (args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> => tracker.run('bash', [INSTALLER, ...args], 30_000, { name: 'install-pi.sh' });
const read = (root: string, path: string): string => readFileSync(join(root, path), 'utf8');

describe('install-pi.sh --root on a fake Pi 4', () => {
  it('--dry-run prints every change and makes none', async () => {
    const root = fakePi();
    const before = snapshot(root);
    const r = await install(['--root', root, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/would {3}\/boot\/firmware\/config\.txt: add dtparam=i2c_arm=on dtoverlay=pwm-2chan enable_uart=1/);
    expect(r.stdout).toMatch(/would {3}\/boot\/firmware\/cmdline\.txt: remove the serial console/);
    expect(r.stdout).toMatch(/would {3}\/etc\/systemd\/system\/pia-gateway\.service/);
    expect(r.stdout).toMatch(/print {3}useradd --system .*--groups gpio,i2c,dialout pia-gateway/);
    expect(r.stdout).toMatch(/dry run: 5 changes and \d+ commands printed, nothing changed/);
    expect(snapshot(root)).toEqual(before);
  });

  it('a real run sets the boot config, the example and the unit, prints the system commands; a second run changes nothing', async () => {
    const root = fakePi();
    const first = await install(['--root', root]);
    expect(first.code, first.stderr).toBe(0);
    const config = read(root, 'boot/firmware/config.txt');
    expect(config.startsWith(CONFIG_TXT)).toBe(true);
    expect(config.slice(CONFIG_TXT.length)).toBe('\n[all]\n# pia-gateway (scripts/install-pi.sh): I2C, PWM on GPIO 18/19, UART on GPIO 14/15\ndtparam=i2c_arm=on\ndtoverlay=pwm-2chan\nenable_uart=1\n');
    expect(read(root, 'boot/firmware/cmdline.txt')).toBe('console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 fsck.repair=yes rootwait\n');
    expect(read(root, 'etc/systemd/system/pia-gateway.service')).toBe(read(REPO_ROOT, 'firmware/systemd/pia-gateway.service'));
    expect(read(root, 'etc/pia-gateway/gateway.example.yaml')).toBe(read(REPO_ROOT, 'firmware/config/examples/demo-building.yaml'));
    expect(first.stdout).toMatch(/print {3}npm install -g --prefix \/usr\/local --omit=dev .*--allow-scripts=\S+ pia-gateway\n/);
    expect(first.stdout).toMatch(/print {3}systemctl enable pia-gateway\n/);
    expect(first.stdout).toMatch(/5 changes made under /);
    expect(first.stdout).toMatch(/reboot, so the boot config takes effect/);

    const after = snapshot(root);
    const second = await install(['--root', root]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toMatch(/^ {2}change/m);
    expect(second.stdout).toMatch(/nothing changed: already installed/);
    expect(second.stdout).not.toMatch(/reboot/);
    expect(snapshot(root)).toEqual(after);
  });

  it('--trust-server installs pia-trust.service too', async () => {
    const root = fakePi();
    const r = await install(['--root', root, '--trust-server']);
    expect(r.code, r.stderr).toBe(0);
    expect(read(root, 'etc/systemd/system/pia-trust.service')).toBe(read(REPO_ROOT, 'trust-server/systemd/pia-trust.service'));
    expect(r.stdout).toMatch(/print {3}systemctl enable --now pia-trust\n/);
  });
});

describe('install-pi.sh refuses what it cannot set up', () => {
  it('a Pi 5 gets the UART0 parameter instead of enable_uart', async () => {
    const root = fakePi('Raspberry Pi 5 Model B Rev 1.0');
    expect((await install(['--root', root])).code).toBe(0);
    expect(read(root, 'boot/firmware/config.txt')).toMatch(/\ndtparam=i2c_arm=on\ndtoverlay=pwm-2chan\ndtparam=uart0=on\n$/);
  });

  it('a board that is not a Pi 4 or 5, or an OS that is not bookworm, is refused with the reason, untouched', async () => {
    for (const [root, reason] of [
      [fakePi('Raspberry Pi 3 Model B Plus Rev 1.3'), /this is not a Raspberry Pi 4 or 5 \(\/proc\/device-tree\/model: 'Raspberry Pi 3 Model B Plus Rev 1\.3'\).*docs\/install\.md/],
      [fakePi('Raspberry Pi 4 Model B Rev 1.5', 'bullseye'), /this is not Raspberry Pi OS bookworm \(\/etc\/os-release VERSION_CODENAME: 'bullseye'\); flash Raspberry Pi OS/],
    ] as const) {
      const before = snapshot(root);
      const r = await install(['--root', root]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(reason);
      expect(r.stdout).toBe('');
      expect(snapshot(root)).toEqual(before);
    }
    const bare = join(tmp, 'not-a-pi');
    mkdirSync(bare);
    const r = await install(['--root', bare]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/model: 'missing'/);
  });

  it('bad arguments: exit 2, naming the argument', async () => {
    const unknown = await install(['--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--frobnicate'; see the usage:\nusage: install-pi\.sh/);
    const missing = await install(['/nonexistent/pia-gateway-9.9.9.tgz']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/package '\/nonexistent\/pia-gateway-9\.9\.9\.tgz' does not exist/);
    expect((await install(['--root'])).code).toBe(2);
  });
});

describe('install-pi.sh with a package tarball', () => {
  /** A minimal tarball shaped like npm pack's (package/package.json). */
  function tarball(version: string): string {
    const dir = join(tmp, `pkg-${version}`);
    mkdirSync(join(dir, 'package'), { recursive: true });
    writeFileSync(join(dir, 'package/package.json'), `{\n  "name": "pia-gateway",\n  "version": "${version}",\n  "type": "module"\n}\n`);
    const file = join(tmp, `pia-gateway-${version}.tgz`);
    execFileSync('tar', ['-czf', file, '-C', dir, 'package']);
    return file;
  }

  it('keeps the tarball for a rollback and installs it; skips the install when that version is there', async () => {
    const root = fakePi();
    const tgz = tarball('0.2.0');
    const r = await install(['--root', root, tgz]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(root, 'var/cache/pia-gateway/pia-gateway-0.2.0.tgz'))).toEqual(readFileSync(tgz));
    expect(r.stdout).toMatch(/print {3}npm install -g --prefix \/usr\/local .* \/var\/cache\/pia-gateway\/pia-gateway-0\.2\.0\.tgz\n/);

    mkdirSync(join(root, 'usr/local/lib/node_modules/pia-gateway'), { recursive: true });
    writeFileSync(join(root, 'usr/local/lib/node_modules/pia-gateway/package.json'), `{\n  "name": "pia-gateway",\n  "version": "0.2.0",\n  "type": "module"\n}\n`);
    const again = await install(['--root', root, tgz]);
    expect(again.stdout).toMatch(/ok {6}pia-gateway 0\.2\.0 installed/);
    expect(again.stdout).not.toMatch(/npm install/);
  });

  it('refuses a file that is not an npm package', async () => {
    const junk = join(tmp, 'junk.tgz');
    writeFileSync(junk, 'not a tarball');
    const r = await install(['--root', fakePi(), junk]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/junk\.tgz is not an npm package of pia-gateway/);
  });
});

it("the installer's --allow-scripts list is package.json's allowScripts for runtime packages", () => {
  const manifest = JSON.parse(read(REPO_ROOT, 'package.json')) as { allowScripts: Record<string, boolean> };
  const lock = JSON.parse(read(REPO_ROOT, 'package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
  const runtime = Object.entries(manifest.allowScripts)
    .filter(([name, ok]) => ok && lock.packages[`node_modules/${name}`]?.dev !== true)
    .map(([name]) => name)
    .sort();
  const line = /^ALLOW_SCRIPTS="([^"]*)"$/m.exec(read(REPO_ROOT, 'scripts/install-pi.sh'));
  expect(line?.[1]?.split(',').sort()).toEqual(runtime);
  expect(runtime).toEqual(['@serialport/bindings-cpp', 'better-sqlite3', 'epoll', 'i2c-bus']);
});
