/**
 * A stand-in for systemd's notify socket in tests (notify-manager.py: a real unix datagram
 * socket that answers BARRIER=1 as systemd does), started through a ProcessTracker so the
 * test's afterEach stops it.
 *
 * Must hold: `messages()` are the datagrams in arrival order, as the kernel delivered them
 * (the sender's PID from SCM_CREDENTIALS); `waitFor` rejects naming the field and what did
 * arrive when the field does not come in time or the stand-in exits.
 */
import { fileURLToPath } from 'node:url';
import type { ProcessTracker } from '../../test-support/index.js';

/** The stand-in, for scripts too: `python3 NOTIFY_MANAGER_SCRIPT SOCKET_PATH`. */
export const NOTIFY_MANAGER_SCRIPT = fileURLToPath(new URL('./notify-manager.py', import.meta.url));

export interface NotifyMessage {
  /** Wall-clock ms when the stand-in read it. */
  readonly at: number;
  /** The sending process (SCM_CREDENTIALS). */
  readonly pid: number | null;
  /** Descriptors it carried (closed on receipt: BARRIER=1 carries one). */
  readonly fds: number;
  readonly fields: readonly string[];
}

export interface NotifyManager {
  readonly socket: string;
  messages(): NotifyMessage[];
  /** The first message with a field matching `field` (an exact `KEY=VALUE` or a pattern). */
  waitFor(field: string | RegExp, ms?: number): Promise<NotifyMessage>;
}

export async function startNotifyManager(tracker: ProcessTracker, socket: string): Promise<NotifyManager> {
  const p = tracker.start('python3', [NOTIFY_MANAGER_SCRIPT, socket], { name: 'notify-manager.py' });
  await p.waitFor(/"listening"/, 10_000);
  const messages = (): NotifyMessage[] =>
    p
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{"at"'))
      .map((l) => JSON.parse(l) as NotifyMessage);
  const matches = (f: string, field: string | RegExp): boolean => (typeof field === 'string' ? f === field : field.test(f));
  return {
    socket,
    messages,
    async waitFor(field, ms = 15_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = messages().find((m) => m.fields.some((f) => matches(f, field)));
        if (found !== undefined) return found;
        const why = p.child.exitCode !== null ? `the stand-in exited (${p.child.exitCode}): ${p.stderr()}` : Date.now() > deadline ? `not within ${ms} ms` : undefined;
        if (why !== undefined) throw new Error(`no notify message with ${String(field)} at ${socket}: ${why}; received: ${JSON.stringify(messages().map((m) => m.fields))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
