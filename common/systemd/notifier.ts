/**
 * systemd notify and watchdog for the long-running programs (`pia-gateway run`, `pia-trust
 * serve`): sd_notify(3), systemd.service(5) Type=notify and WatchdogSec=. The messages go out
 * through `systemd-notify` (notify-command.ts; the units' NotifyAccess=all says why).
 *
 * Must hold:
 * - nothing happens without NOTIFY_SOCKET (not under systemd, or Type=simple/exec);
 * - READY=1 with a STATUS= line once the program serves, STOPPING=1 when shutdown begins,
 *   WATCHDOG=1 every WATCHDOG_USEC / 2 in between (only when WATCHDOG_PID is unset or ours,
 *   sd_watchdog_enabled(3)); the pings keep that period measured from the start of each send,
 *   so a slow send (the barrier waits up to 5 s) does not push the next one towards WatchdogSec;
 *   one send at a time (a hung service manager never piles up children);
 * - a STATUS= value is one line (a newline would start another assignment);
 * - a failed notification is logged as a warning, never fatal (systemd then acts on its own
 *   terms: a missing READY=1 hits TimeoutStartSec, a missing WATCHDOG=1 hits WatchdogSec).
 */
import type { Clock, TimerHandle } from '../clock.js';
import { systemdNotifyCommand, type NotifySend } from './notify-command.js';

export interface SystemdEnv {
  readonly NOTIFY_SOCKET?: string | undefined;
  readonly WATCHDOG_USEC?: string | undefined;
  readonly WATCHDOG_PID?: string | undefined;
}

export interface NotifierOptions {
  readonly env: SystemdEnv;
  readonly clock: Clock;
  readonly log: { info(message: string): void; warn(message: string): void };
  readonly pid?: number;
  /** Default: systemdNotifyCommand(NOTIFY_SOCKET, pid). */
  readonly send?: NotifySend;
}

export class SystemdNotifier {
  readonly #send: NotifySend;
  readonly #o: NotifierOptions;
  readonly #watchdogMs: number | undefined;
  #timer: TimerHandle | undefined;
  #stopped = false;

  /** Undefined when not run by systemd with Type=notify (no NOTIFY_SOCKET). */
  static fromEnv(o: NotifierOptions): SystemdNotifier | undefined {
    const socket = o.env.NOTIFY_SOCKET;
    if (socket === undefined || socket === '') return undefined;
    return new SystemdNotifier(o, o.send ?? systemdNotifyCommand(socket, o.pid ?? process.pid));
  }

  private constructor(o: NotifierOptions, send: NotifySend) {
    this.#o = o;
    this.#send = send;
    this.#watchdogMs = watchdogInterval(o.env, o.pid ?? process.pid);
  }

  /** Half of WATCHDOG_USEC in ms, when the watchdog is on for us. */
  get watchdogIntervalMs(): number | undefined {
    return this.#watchdogMs;
  }

  /** READY=1 (with a STATUS= line), then the watchdog pings start. */
  async ready(status: string): Promise<void> {
    await this.#notify(['READY=1', `STATUS=${oneLine(status)}`]);
    if (this.#watchdogMs !== undefined) {
      this.#o.log.info(`systemd: watchdog on, WATCHDOG=1 every ${this.#watchdogMs} ms`);
      this.#arm();
    }
  }

  /** STOPPING=1; the watchdog pings end. */
  async stopping(status = 'stopping'): Promise<void> {
    this.#stopWatchdog();
    await this.#notify(['STOPPING=1', `STATUS=${oneLine(status)}`]);
  }

  status(text: string): Promise<void> {
    return this.#notify([`STATUS=${oneLine(text)}`]);
  }

  #arm(): void {
    if (this.#stopped || this.#watchdogMs === undefined) return;
    this.#schedule(this.#watchdogMs);
  }

  #schedule(delayMs: number): void {
    const period = this.#watchdogMs ?? 0;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#stopped) return;
      const started = this.#o.clock.now();
      void this.#notify(['WATCHDOG=1']).finally(() => {
        if (!this.#stopped) this.#schedule(Math.max(0, period - (this.#o.clock.now() - started)));
      });
    }, delayMs);
  }

  #stopWatchdog(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #notify(assignments: readonly string[]): Promise<void> {
    try {
      await this.#send(assignments);
    } catch (e) {
      this.#o.log.warn(`systemd: could not send ${assignments[0] ?? ''}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** sd_watchdog_enabled(3): WATCHDOG_USEC set and WATCHDOG_PID unset or ours → half the period, in ms. */
export function watchdogInterval(env: SystemdEnv, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (env.WATCHDOG_USEC === undefined || !Number.isInteger(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
