/**
 * systemd-notify (sd_notify(3)) to a real unix datagram socket: notify-manager.py stands in for
 * the service manager (it closes the BARRIER=1 descriptor as systemd does), socat for a manager
 * that never answers the barrier.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessTracker } from '../test-support/index.js';
import { systemdNotifyCommand } from './notify-command.js';
import { startNotifyManager } from './test-support/index.js';

describe('systemd-notify to a real unix datagram socket', () => {
  const tracker = new ProcessTracker();
  let dir = '';
  const socketPath = (): string => join((dir = mkdtempSync(join(tmpdir(), 'pia-notify-'))), 'notify.sock');
  afterEach(async () => {
    await tracker.stopAll();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  it('delivers MAINPID with READY=1 and STATUS=, then WATCHDOG=1 and STOPPING=1, each followed by a barrier the manager answers', async () => {
    const manager = await startNotifyManager(tracker, socketPath());
    const send = systemdNotifyCommand(manager.socket, 4242);
    await send(['READY=1', 'STATUS=serving']);
    await send(['WATCHDOG=1']);
    await send(['STOPPING=1']);
    await manager.waitFor('STOPPING=1');
    const got = manager.messages();
    expect(got.map((m) => m.fields)).toEqual([
      ['MAINPID=4242', 'READY=1', 'STATUS=serving'],
      ['BARRIER=1'],
      ['MAINPID=4242', 'WATCHDOG=1'],
      ['BARRIER=1'],
      ['MAINPID=4242', 'STOPPING=1'],
      ['BARRIER=1'],
    ]);
    // The barrier carries the pipe end systemd-notify waits on (no --no-block): it waited for the manager.
    expect(got.filter((m) => m.fields[0] === 'BARRIER=1').map((m) => m.fds)).toEqual([1, 1, 1]);
    expect(got.every((m) => typeof m.pid === 'number' && m.pid > 0)).toBe(true);
  });

  it('a manager that never answers the barrier costs at most the timeout, then a rejection that says so', async () => {
    const socket = socketPath();
    const silent = tracker.start('socat', ['-u', `UNIX-RECV:${socket}`, '-']); // keeps the barrier's descriptor open
    for (let i = 0; i < 250 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
    await expect(systemdNotifyCommand(socket, 4242, 'systemd-notify', 1_000)(['READY=1'])).rejects.toThrow(/systemd-notify failed: no answer within 1000 ms \(killed\)/);
    await silent.waitFor(/READY=1/); // the message itself was delivered before the wait
  });

  it('names the problem when nothing listens at NOTIFY_SOCKET', async () => {
    await expect(systemdNotifyCommand(socketPath(), 4242)(['READY=1'])).rejects.toThrow(/^systemd-notify failed: .*No such file or directory/);
  });

  it('names the package when systemd-notify is missing', async () => {
    await expect(systemdNotifyCommand('/nonexistent.sock', 1, 'systemd-notify-not-installed')(['READY=1'])).rejects.toThrow(/systemd-notify-not-installed is not installed \(Debian package systemd/);
  });
});
