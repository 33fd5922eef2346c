/**
 * systemd notify and watchdog (sd_notify(3), systemd.service(5) Type=notify, WatchdogSec=).
 *
 * Node has no unix datagram sockets, so messages go through `systemd-notify` (part of every
 * systemd install) run as a child: `systemd-notify --no-block --pid=<our pid> READY=1`.
 * `--pid` names us as the main PID (MAINPID=); the message itself comes from the child, so
 * the unit needs NotifyAccess=all (firmware/systemd/pia-gateway.service). `--no-block` skips
 * the BARRIER=1 round trip of systemd ≥ 246 (older versions do not know it: retried without).
 *
 * Must hold:
 * - nothing happens without NOTIFY_SOCKET (not under systemd, or Type=simple);
 * - READY=1 once the gateway serves, STOPPING=1 when shutdown begins, WATCHDOG=1 every
 *   WATCHDOG_USEC / 2 while running (only when WATCHDOG_PID is unset or ours, sd_watchdog_enabled(3));
 * - a failed notification is logged, never fatal (systemd would then restart us on its own
 *   terms: a missing READY=1 hits TimeoutStartSec, a missing WATCHDOG=1 hits WatchdogSec).
 */
import { execFile } from 'node:child_process';
import type { Clock, TimerHandle } from '../../common/index.js';

/** Sends one notification (newline-separated assignments); rejects with why it failed. */
export type NotifySend = (assignments: readonly string[]) => Promise<void>;

export interface SystemdEnv {
  readonly NOTIFY_SOCKET?: string | undefined;
  readonly WATCHDOG_USEC?: string | undefined;
  readonly WATCHDOG_PID?: string | undefined;
}

/** `systemd-notify` as a NotifySend for `socket` on behalf of `pid`. */
export function systemdNotifyCommand(socket: string, pid: number, program = 'systemd-notify'): NotifySend {
  const run = (args: readonly string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      execFile(program, [...args], { env: { ...process.env, NOTIFY_SOCKET: socket }, timeout: 5_000, encoding: 'utf8' }, (error, _stdout, stderr) => {
        if (error === null) return resolve();
        const code = (error as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? `${program} is not installed (it comes with systemd)` : (stderr.trim() || error.message).split('\n')[0] ?? '';
        reject(new Error(`${program} failed: ${why}`));
      });
    });
  let noBlock = true;
  return async (assignments) => {
    const base = [`--pid=${pid}`, ...assignments];
    if (!noBlock) return run(base);
    try {
      await run(['--no-block', ...base]);
    } catch (e) {
      if (!/unrecognized option|unknown option/i.test(e instanceof Error ? e.message : '')) throw e;
      noBlock = false;
      await run(base);
    }
  };
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
  async stopping(status = 'stopping: devices to their safe state'): Promise<void> {
    this.#stopWatchdog();
    await this.#notify(['STOPPING=1', `STATUS=${oneLine(status)}`]);
  }

  status(text: string): Promise<void> {
    return this.#notify([`STATUS=${oneLine(text)}`]);
  }

  #arm(): void {
    if (this.#stopped || this.#watchdogMs === undefined) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#stopped) return;
      void this.#notify(['WATCHDOG=1']).finally(() => this.#arm());
    }, this.#watchdogMs);
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
