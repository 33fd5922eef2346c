/**
 * One sd_notify(3) message sent by `systemd-notify` (systemd-notify(1)) run as a child: Node has
 * no unix datagram sockets. `systemd-notify --pid=<our pid> READY=1 STATUS=…`.
 *
 * Must hold:
 * - `--pid` names the calling program as the main PID (MAINPID=). The kernel lets the child
 *   claim that PID as the sender only with CAP_SYS_ADMIN, which neither unit grants, so the
 *   message comes from the child itself: the unit needs `NotifyAccess=all`, and
 *   `RestrictAddressFamilies=` must keep `AF_UNIX` (the child inherits the unit's filter).
 * - No `--no-block`: systemd-notify(1) warns that a message from an auxiliary process that
 *   exits at once may not be attributed to the unit (systemd looks the sender's cgroup up when
 *   it reads the datagram, and the child may be gone by then), and the message is ignored even
 *   with NotifyAccess=all. Without it, systemd-notify (systemd ≥ 246) follows the message with
 *   BARRIER=1 (sd_notify_barrier(3)) and waits, at most 5 s, until the service manager has
 *   processed it: the child outlives the reading. Older systemd-notify just sends.
 * - It never hangs the caller: the child is killed after `timeoutMs` (default 10 s, past the
 *   barrier's own 5 s); every failure rejects with the program's own first line, or the fix
 *   when the program is missing. The caller (notifier.ts) logs it; nothing here is fatal.
 */
import { execFile, type ExecFileException } from 'node:child_process';

/** Sends one notification (newline-separated assignments); rejects with why it failed. */
export type NotifySend = (assignments: readonly string[]) => Promise<void>;

/** `systemd-notify` as a NotifySend for `socket` on behalf of `pid`. */
export function systemdNotifyCommand(socket: string, pid: number, program = 'systemd-notify', timeoutMs = 10_000): NotifySend {
  return (assignments) =>
    new Promise((resolve, reject) => {
      const env = { ...process.env, NOTIFY_SOCKET: socket };
      execFile(program, [`--pid=${pid}`, ...assignments], { env, timeout: timeoutMs, encoding: 'utf8' }, (error, _stdout, stderr) => {
        if (error === null) return resolve();
        reject(new Error(`${program} failed: ${reason(program, error, stderr, timeoutMs)}`));
      });
    });
}

function reason(program: string, error: ExecFileException, stderr: string, timeoutMs: number): string {
  if (error.code === 'ENOENT') return `${program} is not installed (Debian package systemd; it comes with every systemd install)`;
  if (error.killed === true) return `no answer within ${timeoutMs} ms (killed); is the service manager at NOTIFY_SOCKET busy or gone?`;
  return (stderr.trim() || error.message).split('\n')[0] ?? '';
}
