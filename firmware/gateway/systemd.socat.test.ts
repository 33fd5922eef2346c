/** systemd-notify (sd_notify(3)) to a real unix datagram socket, socat standing in for the service manager. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessTracker } from '../../common/test-support/index.js';
import { systemdNotifyCommand } from './systemd.js';

describe('systemd-notify to a real unix datagram socket (socat as the service manager)', () => {
  const tracker = new ProcessTracker();
  let dir: string | undefined;
  afterEach(async () => {
    await tracker.stopAll();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers MAINPID, READY=1, WATCHDOG=1 and STOPPING=1', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pia-notify-'));
    const socket = join(dir, 'notify.sock');
    const listener = tracker.start('socat', ['-u', `UNIX-RECV:${socket}`, '-']);
    for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
    const send = systemdNotifyCommand(socket, 4242);
    await send(['READY=1', 'STATUS=serving']);
    await send(['WATCHDOG=1']);
    await send(['STOPPING=1']);
    await listener.waitFor(/STOPPING=1/, 5_000);
    const got = listener.stdout();
    expect(got).toContain('MAINPID=4242');
    expect(got).toMatch(/READY=1\nSTATUS=serving/);
    expect(got.indexOf('READY=1')).toBeLessThan(got.indexOf('WATCHDOG=1'));
    expect(got.indexOf('WATCHDOG=1')).toBeLessThan(got.indexOf('STOPPING=1'));
  });

  it('names the problem when systemd-notify is missing', async () => {
    await expect(systemdNotifyCommand('/nonexistent.sock', 1, 'systemd-notify-not-installed')(['READY=1'])).rejects.toThrow(/systemd-notify-not-installed is not installed/);
  });
});
