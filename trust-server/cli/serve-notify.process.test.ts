/**
 * `pia-trust serve` as a real process under a stand-in for systemd's notify socket
 * (common/systemd's notify-manager.py, a real unix datagram socket that answers BARRIER=1):
 * READY=1 with a STATUS= line once PIA, the admin API and MyNet Manager listen, WATCHDOG=1
 * at WATCHDOG_USEC / 2, STOPPING=1 on SIGTERM (trust-server/systemd/pia-trust.service).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freeTcpPort, ProcessTracker } from '../../common/test-support/index.js';
import { startNotifyManager } from '../../common/systemd/test-support/index.js';
import { startTrust, stopAll } from '../test-support/index.js';

const root = mkdtempSync(join(tmpdir(), 'pia-trust-notify-'));
const tracker = new ProcessTracker();
afterEach(async () => {
  await stopAll();
  await tracker.stopAll();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('pia-trust serve under a stand-in for systemd (Type=notify)', () => {
  it('READY=1 once every listener is up, WATCHDOG=1 while serving, STOPPING=1 on SIGTERM; no secret in a message', async () => {
    const state = join(root, 'state');
    const manager = await startNotifyManager(tracker, join(root, 'notify.sock'));
    const webPort = await freeTcpPort();
    const p = startTrust(['serve', '--state', state, '--pia', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--web', `127.0.0.1:${webPort}`], {
      NOTIFY_SOCKET: manager.socket,
      WATCHDOG_USEC: '2000000',
    });

    const ready = await manager.waitFor('READY=1', 20_000);
    const status = ready.fields.find((f) => f.startsWith('STATUS=')) ?? '';
    expect(status).toMatch(/^STATUS=serving phase 3 on PIA 127\.0\.0\.1:\d+, admin API on http:\/\/127\.0\.0\.1:\d+, MyNet Manager on https:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.fields).toContain(`MAINPID=${p.child.pid}`);
    // READY=1 means serving: the listeners named in STATUS= answer now.
    const adminUrl = /admin API on (http:\/\/[^,]+)/.exec(status)?.[1] ?? '';
    expect((await fetch(`${adminUrl}/api/nodes`)).status).toBe(401);
    expect(status).toContain(`https://127.0.0.1:${webPort}`);

    const ping = await manager.waitFor('WATCHDOG=1', 5_000);
    expect(ping.at).toBeGreaterThan(ready.at);
    expect(p.stdout()).toContain('systemd: watchdog on, WATCHDOG=1 every 1000 ms');

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const stopping = await manager.waitFor('STOPPING=1', 5_000);
    expect(stopping.fields).toContain('STATUS=stopping: closing the listeners');
    const fields = manager.messages().map((m) => m.fields);
    const stoppingAt = fields.findIndex((f) => f.includes('STOPPING=1'));
    expect(fields.slice(stoppingAt + 1)).toEqual([['BARRIER=1']]); // no WATCHDOG=1 after STOPPING=1

    const all = JSON.stringify(manager.messages());
    expect(all).not.toContain(readFileSync(join(state, 'admin-token'), 'utf8').trim());
    expect(all).not.toContain(readFileSync(join(state, 'master-key'), 'utf8').trim());
    expect(p.stderr()).not.toMatch(/systemd: could not send/);
  });

  it('a notify socket nobody listens at is a warning: the server serves and stops as usual', async () => {
    const state = join(root, 'state-no-manager');
    const p = startTrust(['serve', '--state', state, '--pia', '127.0.0.1:0', '--admin', '127.0.0.1:0'], { NOTIFY_SOCKET: join(root, 'nobody.sock') });
    const m = await p.waitFor(/admin API on (http:\/\/[^ ]+) /);
    for (let i = 0; i < 500 && !p.stderr().includes('could not send READY=1'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(p.stderr()).toMatch(/pia-trust: warning: systemd: could not send READY=1: systemd-notify failed: .*No such file or directory/);
    expect((await fetch(`${m[1] ?? ''}/api/nodes`)).status).toBe(401);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});
