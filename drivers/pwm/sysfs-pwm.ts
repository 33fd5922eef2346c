/**
 * PwmController over Linux sysfs PWM: `<root>/class/pwm/pwmchipN/{npwm,export,unexport}` and
 * `pwmX/{period,duty_cycle,polarity,enable}`, times in ns (docs/hardware.md#pwm).
 *
 * Flow of `openChannel(chip, channel)`:
 *  1. class/pwm must exist (else no PWM driver: name the overlay), pwmchipN must exist (else
 *     list the chips found), channel < npwm (else give the range)
 *  2. if pwmX is absent, write X to `export` (EBUSY: a kernel driver holds it)
 *  3. poll until pwmX/{period,duty_cycle,enable} open for writing: right after export they may
 *     be missing, or owned by root until udev has run (EACCES) — the udev race. Bounded
 *     attempts with doubling backoff on the injected clock.
 * Channel writes follow `planWrites` (settings.ts) so each intermediate state is valid, under
 * one mutex per channel. `close()` leaves the output running as it is (a fan keeps its last
 * speed when the gateway stops) unless `disableOnClose`; it unexports only with
 * `unexportOnClose`.
 *
 * The channel's state (period, duty_cycle, polarity, enable: Documentation/ABI/testing/
 * sysfs-class-pwm) is read from its four files once, at its first use after open or export,
 * then kept per channel and updated by each write that succeeds; only what changes is written.
 * Must hold:
 *   - the kernel shows the state last applied (drivers/pwm/core.c keeps the requested state),
 *     so the kept state is what a read would give, while this process is the only writer
 *     (another process writing the channel is not seen);
 *   - the write order is planWrites' from the kept state: duty_cycle ≤ period in every
 *     intermediate state (Documentation/driver-api/pwm.rst: "must be less than or equal to
 *     the period"), enable 0 before a polarity change, enable 1 last;
 *   - a write that fails forgets the kept state (the next operation reads the files again),
 *     and so does an export or an unexport.
 */
import { join } from 'node:path';
import { Mutex, systemClock, type Clock } from '../../common/index.js';
import type { Polarity, PwmChannel, PwmController, PwmSettings } from './types.js';
import { PwmError, channelRangeError, pwmWriteError } from './errors.js';
import { planWrites, validateSettings, type PwmFile, type PwmHwState } from './settings.js';
import { nodeSysfs, type SysfsFs } from './sysfs-fs.js';

export interface SysfsPwmOptions {
  /** sysfs mount point; default "/sys". */
  readonly sysfsRoot?: string;
  readonly clock?: Clock;
  readonly fs?: SysfsFs;
  /** Polls for the channel files after export; default 12. */
  readonly readyAttempts?: number;
  /** First wait between polls, doubled each time up to `maxRetryDelayMs`; defaults 5 and 200 ms. */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** close() writes enable 0 first; default false (the output keeps running). */
  readonly disableOnClose?: boolean;
  /** close() unexports the channel; default false. */
  readonly unexportOnClose?: boolean;
}

const OVERLAY_HINT = 'on a Pi 4 add dtoverlay=pwm-2chan to /boot/firmware/config.txt (GPIO 18/19) and reboot';

export class SysfsPwmController implements PwmController {
  private readonly classDir: string;
  private readonly clock: Clock;
  private readonly fs: SysfsFs;
  /** Per channel: one mutex and the kept state, shared by every handle this controller gave out. */
  private readonly channels = new Map<string, ChannelShared>();

  constructor(private readonly options: SysfsPwmOptions = {}) {
    this.classDir = join(options.sysfsRoot ?? '/sys', 'class', 'pwm');
    this.clock = options.clock ?? systemClock();
    this.fs = options.fs ?? nodeSysfs();
  }

  async openChannel(chip: number, channel: number): Promise<PwmChannel> {
    if (!Number.isInteger(chip) || chip < 0 || !Number.isInteger(channel) || channel < 0) {
      throw new PwmError('invalid', `PWM chip and channel must be whole numbers ≥ 0, got pwmchip${chip} channel ${channel}`);
    }
    const chipDir = await this.findChip(chip);
    const npwm = await this.readInt(join(chipDir, 'npwm'));
    if (channel >= npwm) throw channelRangeError(chip, channel, npwm);
    const name = `pwmchip${chip}/pwm${channel}`;
    const dir = join(chipDir, `pwm${channel}`);
    let shared = this.channels.get(name);
    if (shared === undefined) this.channels.set(name, (shared = { mutex: new Mutex(), hw: undefined }));
    if (!(await this.fs.exists(dir))) {
      shared.hw = undefined;
      await this.export(chipDir, chip, channel, dir);
    }
    await this.waitReady(name, dir);
    return new SysfsPwmChannel(name, chip, channel, chipDir, dir, this.fs, shared, this.options);
  }

  private async findChip(chip: number): Promise<string> {
    if (!(await this.fs.exists(this.classDir))) {
      throw new PwmError('no-pwm-class', `PWM is not available: ${this.classDir} does not exist (no PWM driver loaded): ${OVERLAY_HINT}, or use the simulator`);
    }
    const chipDir = join(this.classDir, `pwmchip${chip}`);
    if (await this.fs.exists(chipDir)) return chipDir;
    const found = (await this.fs.readdir(this.classDir)).filter((e) => /^pwmchip\d+$/.test(e)).sort();
    throw new PwmError(
      'no-chip',
      `pwmchip${chip} does not exist under ${this.classDir} (found: ${found.length > 0 ? found.join(', ') : 'none'}): ` +
        `check the chip number (the Pi 5 numbers its PWM chips differently from the Pi 4); ${OVERLAY_HINT}`,
    );
  }

  private async export(chipDir: string, chip: number, channel: number, dir: string): Promise<void> {
    const path = join(chipDir, 'export');
    try {
      await this.fs.writeFile(path, String(channel));
    } catch (err) {
      const code = errno(err);
      // Another process exported it between our check and our write: fine.
      if (code === 'EBUSY' && (await this.fs.exists(dir))) return;
      if (code === 'EBUSY') {
        throw new PwmError('busy', `pwmchip${chip} channel ${channel} is in use by a kernel driver (export: EBUSY): remove the overlay that claims it (e.g. pwm-fan) or pick another channel`, { cause: err });
      }
      if (code === 'EACCES' || code === 'EPERM') {
        throw new PwmError('access', `cannot write ${path} (${code}): run as root or add a udev rule giving the gpio group access to /sys/class/pwm`, { cause: err });
      }
      throw new PwmError('io', `cannot export pwmchip${chip} channel ${channel} (${code ?? String(err)}): check dmesg`, { cause: err });
    }
  }

  private async waitReady(name: string, dir: string): Promise<void> {
    const attempts = this.options.readyAttempts ?? 12;
    let delay = this.options.retryDelayMs ?? 5;
    const maxDelay = this.options.maxRetryDelayMs ?? 200;
    const started = this.clock.now();
    let last = '';
    for (let i = 1; ; i++) {
      try {
        for (const f of ['period', 'duty_cycle', 'enable']) {
          last = f;
          await this.fs.checkWritable(join(dir, f));
        }
        return;
      } catch (err) {
        const code = errno(err);
        if (code !== 'ENOENT' && code !== 'EACCES') throw new PwmError('io', `${name}/${last}: ${code ?? String(err)}`, { cause: err });
        if (i >= attempts) {
          const waited = Math.round(this.clock.now() - started);
          throw new PwmError(
            'not-ready',
            `${name} did not become usable after export (${last}: ${code} after ${attempts} attempts over ${waited} ms): ` +
              'a udev rule must give the gpio group access to /sys/class/pwm (Raspberry Pi OS: 99-com.rules), or run as root',
            { cause: err },
          );
        }
        await this.clock.sleep(delay);
        delay = Math.min(maxDelay, delay * 2);
      }
    }
  }

  private async readInt(path: string): Promise<number> {
    return parseWhole(path, await readOrThrow(this.fs, path));
  }
}

interface ChannelShared {
  readonly mutex: Mutex;
  /** The channel's state as last read or written; undefined until read (module comment). */
  hw: PwmHwState | undefined;
}

class SysfsPwmChannel implements PwmChannel {
  private closed = false;

  constructor(
    readonly name: string,
    private readonly chip: number,
    private readonly channel: number,
    private readonly chipDir: string,
    private readonly dir: string,
    private readonly fs: SysfsFs,
    private readonly shared: ChannelShared,
    private readonly options: SysfsPwmOptions,
  ) {}

  configure(settings: PwmSettings): Promise<void> {
    return this.locked(async () => {
      validateSettings(this.name, settings);
      for (const w of planWrites(await this.state(), settings)) await this.write(w.file, w.value);
    });
  }

  setDutyFraction(fraction: number): Promise<void> {
    return this.locked(async () => {
      if (!(Number.isFinite(fraction) && fraction >= 0 && fraction <= 1)) {
        throw new PwmError('invalid', `${this.name}: duty fraction must be within 0..1, got ${fraction}`);
      }
      const s = await this.state();
      if (s.periodNs === 0) throw new PwmError('invalid', `${this.name}: no period set yet: call configure() with a period first`);
      const duty = Math.round(fraction * s.periodNs);
      if (duty !== s.dutyNs) await this.write('duty_cycle', String(duty));
    });
  }

  setEnabled(enabled: boolean): Promise<void> {
    return this.locked(async () => {
      const s = await this.state();
      if (enabled && s.periodNs === 0) throw new PwmError('invalid', `${this.name}: cannot enable without a period: call configure() first`);
      if (enabled !== s.enabled) await this.write('enable', enabled ? '1' : '0');
    });
  }

  read(): Promise<PwmSettings> {
    return this.locked(async () => {
      const s = await this.state();
      return { periodNs: s.periodNs, dutyNs: s.dutyNs, polarity: s.polarity, enabled: s.enabled };
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.locked(async () => {
      this.closed = true;
      if (this.options.disableOnClose === true && (await this.state()).enabled) await this.write('enable', '0');
      if (this.options.unexportOnClose === true) {
        this.shared.hw = undefined;
        await this.writePath(join(this.chipDir, 'unexport'), String(this.channel), `pwmchip${this.chip}/unexport`);
      }
    });
  }

  private locked<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new PwmError('closed', `${this.name} is closed: open the channel again to use it`));
    return this.shared.mutex.run(task);
  }

  /** The kept state, read from the four files when there is none (module comment). */
  private async state(): Promise<PwmHwState> {
    if (this.shared.hw !== undefined) return this.shared.hw;
    const read = (f: string) => readOrThrow(this.fs, join(this.dir, f));
    const periodNs = parseWhole(join(this.dir, 'period'), await read('period'));
    const dutyNs = parseWhole(join(this.dir, 'duty_cycle'), await read('duty_cycle'));
    const enabled = parseWhole(join(this.dir, 'enable'), await read('enable')) === 1;
    const pol = (await read('polarity')).trim();
    if (pol !== 'normal' && pol !== 'inversed') throw new PwmError('io', `${this.name}/polarity holds "${pol}", expected normal or inversed`);
    this.shared.hw = { periodNs, dutyNs, polarity: pol satisfies Polarity, enabled };
    return this.shared.hw;
  }

  /** One channel file; the kept state follows a write that succeeded and is forgotten after one that failed. */
  private async write(file: PwmFile, value: string): Promise<void> {
    const before = this.shared.hw;
    this.shared.hw = undefined;
    await this.writePath(join(this.dir, file), value, `${this.name}/${file}`);
    if (before !== undefined) this.shared.hw = written(before, file, value);
  }

  private async writePath(path: string, value: string, shown: string): Promise<void> {
    try {
      await this.fs.writeFile(path, value);
    } catch (err) {
      throw pwmWriteError(this.name, shown, value, errno(err), err);
    }
  }
}

/** `state` after the kernel accepted `value` in `file` (the values written are planWrites' and the callers': whole numbers, a polarity, 0 or 1). */
function written(state: PwmHwState, file: PwmFile, value: string): PwmHwState {
  switch (file) {
    case 'period':
      return { ...state, periodNs: Number(value) };
    case 'duty_cycle':
      return { ...state, dutyNs: Number(value) };
    case 'polarity':
      return { ...state, polarity: value === 'inversed' ? 'inversed' : 'normal' };
    case 'enable':
      return { ...state, enabled: value === '1' };
  }
}

async function readOrThrow(fs: SysfsFs, path: string): Promise<string> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    throw new PwmError('io', `cannot read ${path} (${errno(err) ?? String(err)})`, { cause: err });
  }
}

function parseWhole(path: string, text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new PwmError('io', `${path} holds "${t}", expected a whole number`);
  return Number(t);
}

function errno(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
