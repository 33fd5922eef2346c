/**
 * GpioController on onoff 6.0.3 (sysfs GPIO). Lines are BCM numbers; the sysfs number comes
 * from `SysfsGpioNumbering` (base of the header chip + line, never hard-coded).
 *
 * Flow of `openOutput(line, { initial, activeLow })`:
 *  1. claim the line in this process (a second open is an error, not a second handle)
 *  2. BCM → sysfs number; then `Gpio.accessible` (false → say how to get access)
 *  3. `new Gpio(n, rawDirection, 'none', { activeLow, reconfigureDirection: false })`, where
 *     rawDirection is 'high' or 'low' so the pin is exported straight into its safe level:
 *     - onoff's configureGpio writes `active_low` first, then `direction` (onoff.js);
 *     - the kernel's direction_store maps "high"/"low" to gpiod_direction_output_raw(desc, 1/0)
 *       (drivers/gpio/gpiolib-sysfs.c): the *raw* (physical) level, active_low NOT applied;
 *     - so the physical level must be computed here: raw = initial XOR activeLow. Writing
 *       'out' (= raw 0) and then the value would pass through 0 first (relay click at boot:
 *       docs/hardware.md#door-lock).
 *  4. with reconfigureDirection:false onoff leaves an already exported output alone (no
 *     re-drive on a restart); if that output sits at another level, one write moves it to
 *     `initial` (the only transition, and toward the safe level).
 * Flow of `openOutputKeeping(line, { fallback, activeLow })` (a restart that must not change
 * what the line drives):
 *  1–2. as above;
 *  3. read the line's sysfs files *before* onoff writes anything (sysfs-line.ts): an exported
 *     output keeps driving its level after the process that exported it is gone;
 *  4. an output: construct with rawDirection = the physical level it drives ('high'/'low'),
 *     so onoff, seeing direction "out" already, writes only active_low (which does not move
 *     the pin); the kept logical level is physical XOR activeLow, and nothing is written;
 *  5. not exported, or an input: as `openOutput` with initial = fallback (kept: undefined).
 * Inputs: direction 'in', edge (default 'both') and debounceTimeout handed to onoff, which
 * filters edges in software after an epoll wake-up and debounces with a trailing timer.
 */
import type {
  Edge,
  GpioController,
  GpioInput,
  GpioInputOptions,
  GpioKeepOptions,
  GpioKeptOutput,
  GpioOutput,
  GpioOutputOptions,
  Level,
} from './types.js';
import { systemClock, type Clock } from '../../common/index.js';
import { GpioError, errnoCode } from './errors.js';
import { SysfsGpioNumbering } from './sysfs-numbering.js';
import { readSysfsLine, type SysfsLineState } from './sysfs-line.js';

export type OnoffDirection = 'in' | 'out' | 'high' | 'low';
export type OnoffEdge = 'none' | 'rising' | 'falling' | 'both';
export type OnoffWatchCallback = (err: Error | null | undefined, value: Level) => void;

export interface OnoffOptions {
  readonly debounceTimeout: number;
  readonly activeLow: boolean;
  readonly reconfigureDirection: boolean;
}

/** The part of onoff's `Gpio` instance this driver uses. */
export interface OnoffGpioLike {
  read(): Promise<Level>;
  readSync(): Level;
  write(value: Level): Promise<void>;
  writeSync(value: Level): void;
  watch(callback: OnoffWatchCallback): void;
  unwatch(callback?: OnoffWatchCallback): void;
  unexport(): void;
}

/** The part of onoff's `Gpio` class this driver uses (constructor and `accessible`). */
export interface OnoffGpioConstructor {
  new (gpio: number, direction: OnoffDirection, edge: OnoffEdge, options: OnoffOptions): OnoffGpioLike;
  readonly accessible: boolean;
}

export interface LineNumbering {
  toSysfs(line: number): Promise<number>;
}

export interface OnoffGpioControllerOptions {
  /** onoff's Gpio class, or a recording fake; default: the real onoff, loaded on first open. */
  readonly Gpio?: OnoffGpioConstructor;
  /** BCM → sysfs numbering; default: `SysfsGpioNumbering` on /sys. */
  readonly numbering?: LineNumbering;
  /** Called when onoff reports an error to a watch callback (epoll failure). */
  readonly onWatchError?: (line: number, err: Error) => void;
  /** Used to let a pending debounce timer run out before unexport; default the system clock. */
  readonly clock?: Clock;
  /** What an exported line holds, by sysfs number (undefined: not exported); default `readSysfsLine` on /sys. */
  readonly readLine?: (sysfsNumber: number) => Promise<SysfsLineState | undefined>;
}

const EDGES: readonly Edge[] = ['rising', 'falling', 'both'];

/** Loads the real onoff (which loads the native epoll addon): only when a line is opened. */
async function loadOnoff(): Promise<OnoffGpioConstructor> {
  const mod = await import('onoff');
  return mod.Gpio;
}

export class OnoffGpioController implements GpioController {
  private readonly numbering: LineNumbering;
  private gpioClass: OnoffGpioConstructor | undefined;
  private readonly claimed = new Map<number, 'input' | 'output'>();
  private readonly clock: Clock;

  constructor(private readonly options: OnoffGpioControllerOptions = {}) {
    this.numbering = options.numbering ?? new SysfsGpioNumbering();
    this.clock = options.clock ?? systemClock();
    this.gpioClass = options.Gpio;
  }

  async openInput(line: number, options: GpioInputOptions = {}): Promise<GpioInput> {
    const edge = options.edge ?? 'both';
    const debounceMs = options.debounceMs ?? 0;
    if (!EDGES.includes(edge)) throw new GpioError('invalid', `GPIO ${line}: edge "${String(edge)}" is not one of ${EDGES.join(', ')}`);
    if (!(Number.isFinite(debounceMs) && debounceMs >= 0)) {
      throw new GpioError('invalid', `GPIO ${line}: debounceMs must be a finite number ≥ 0, got ${debounceMs}`);
    }
    return await this.withClaim(line, 'input', (n, Gpio) => {
      const gpio = this.construct(Gpio, line, n, 'in', edge, {
        debounceTimeout: debounceMs,
        activeLow: options.activeLow ?? false,
        reconfigureDirection: false,
      });
      return new OnoffInput(line, gpio, debounceMs, this.clock, () => this.claimed.delete(line), this.options.onWatchError);
    });
  }

  async openOutput(line: number, options: GpioOutputOptions): Promise<GpioOutput> {
    checkLevel(line, 'initial', options.initial);
    return await this.withClaim(line, 'output', (n, Gpio) => this.exportAt(Gpio, line, n, options.initial, options.activeLow ?? false));
  }

  async openOutputKeeping(line: number, options: GpioKeepOptions): Promise<GpioKeptOutput> {
    checkLevel(line, 'fallback', options.fallback);
    const activeLow = options.activeLow ?? false;
    const readLine = this.options.readLine ?? ((n: number) => readSysfsLine(n));
    return await this.withClaim(line, 'output', async (n, Gpio) => {
      const found = await readLine(n);
      if (found?.direction !== 'out') return { output: this.exportAt(Gpio, line, n, options.fallback, activeLow), kept: undefined };
      const gpio = this.construct(Gpio, line, n, found.physical === 1 ? 'high' : 'low', 'none', { debounceTimeout: 0, activeLow, reconfigureDirection: false });
      const kept = (found.physical ^ (activeLow ? 1 : 0)) as Level;
      return { output: new OnoffOutput(line, gpio, () => this.claimed.delete(line)), kept };
    });
  }

  /** Exports `line` (sysfs `n`) as an output straight at logical `initial` (flow of openOutput, 3–4). */
  private exportAt(Gpio: OnoffGpioConstructor, line: number, n: number, initial: Level, activeLow: boolean): GpioOutput {
    const raw = activeLow ? 1 - initial : initial;
    const gpio = this.construct(Gpio, line, n, raw === 1 ? 'high' : 'low', 'none', {
      debounceTimeout: 0,
      activeLow,
      reconfigureDirection: false,
    });
    try {
      if (gpio.readSync() !== initial) gpio.writeSync(initial);
    } catch (err) {
      gpio.unexport();
      throw ioError(line, n, 'set its initial level', err);
    }
    return new OnoffOutput(line, gpio, () => this.claimed.delete(line));
  }

  private async withClaim<T>(
    line: number,
    mode: 'input' | 'output',
    open: (sysfsNumber: number, Gpio: OnoffGpioConstructor) => T | Promise<T>,
  ): Promise<T> {
    const held = this.claimed.get(line);
    if (held !== undefined) {
      throw new GpioError('busy', `GPIO ${line} is already open as an ${held}: close the other handle first`);
    }
    this.claimed.set(line, mode);
    try {
      const n = await this.numbering.toSysfs(line);
      this.gpioClass ??= await loadOnoff();
      if (!this.gpioClass.accessible) {
        throw new GpioError(
          'not-accessible',
          `sysfs GPIO not writable (cannot open /sys/class/gpio/export to export GPIO ${line}): ` +
            'run on the Pi as a member of gpio, or use the simulator',
        );
      }
      return await open(n, this.gpioClass);
    } catch (err) {
      this.claimed.delete(line);
      throw err;
    }
  }

  private construct(
    Gpio: OnoffGpioConstructor,
    line: number,
    n: number,
    direction: OnoffDirection,
    edge: OnoffEdge,
    options: OnoffOptions,
  ): OnoffGpioLike {
    try {
      return new Gpio(n, direction, edge, options);
    } catch (err) {
      throw ioError(line, n, `export it as ${direction}`, err);
    }
  }
}

function checkLevel(line: number, what: string, level: Level): void {
  if (level !== 0 && level !== 1) throw new GpioError('invalid', `GPIO ${line}: ${what} level must be 0 or 1, got ${String(level)}`);
}

function ioError(line: number, n: number, what: string, err: unknown): GpioError {
  const code = errnoCode(err);
  const hint =
    code === 'EBUSY'
      ? 'a kernel driver (a dtoverlay such as w1-gpio, pwm or i2c) holds the pin: free it in config.txt or pick another line'
      : code === 'EACCES' || code === 'EPERM'
        ? 'run as root or as a member of the gpio group'
        : code === 'EINVAL'
          ? `sysfs number ${n} is not a GPIO on this kernel: check the header chip's base`
          : 'check dmesg for the kernel message';
  return new GpioError('io', `GPIO ${line} (sysfs ${n}): cannot ${what} (${code ?? String(err)}): ${hint}`, { cause: err });
}

class OnoffInput implements GpioInput {
  private closed = false;

  constructor(
    readonly line: number,
    private readonly gpio: OnoffGpioLike,
    private readonly debounceMs: number,
    private readonly clock: Clock,
    private readonly release: () => void,
    private readonly onWatchError: ((line: number, err: Error) => void) | undefined,
  ) {}

  read(): Promise<Level> {
    if (this.closed) return Promise.reject(closedError(this.line));
    return this.gpio.read();
  }

  watch(onChange: (level: Level) => void): () => void {
    if (this.closed) throw closedError(this.line);
    const callback: OnoffWatchCallback = (err, value) => {
      if (err) this.onWatchError?.(this.line, err);
      else onChange(value);
    };
    this.gpio.watch(callback);
    return () => {
      if (!this.closed) this.gpio.unwatch(callback);
    };
  }

  /**
   * Unwatches, then unexports. onoff's debounce (lodash.debounce) keeps a timer that
   * `unwatch` does not cancel and that calls readSync on the value file when it fires; after
   * unexport that file descriptor is closed and the read would throw from a timer. So with a
   * debounce the unexport waits until any pending timer has run out.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.gpio.unwatch();
    if (this.debounceMs > 0) await this.clock.sleep(this.debounceMs + 1);
    this.gpio.unexport();
    this.release();
  }
}

class OnoffOutput implements GpioOutput {
  private closed = false;

  constructor(
    readonly line: number,
    private readonly gpio: OnoffGpioLike,
    private readonly release: () => void,
  ) {}

  write(level: Level): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.line));
    if (level !== 0 && level !== 1) return Promise.reject(new GpioError('invalid', `GPIO ${this.line}: level must be 0 or 1, got ${String(level)}`));
    return this.gpio.write(level);
  }

  read(): Promise<Level> {
    if (this.closed) return Promise.reject(closedError(this.line));
    return this.gpio.read();
  }

  /**
   * Unexports the line. On BCM283x/2711 the kernel then returns the pin to an input
   * (bcm2835_pmx_free sets GPIO_IN), so a relay driven by it drops out: close outputs at
   * shutdown only after driving them to their safe level.
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.gpio.unexport();
    this.release();
    return Promise.resolve();
  }
}

function closedError(line: number): GpioError {
  return new GpioError('closed', `GPIO ${line} is closed: open it again to use it`);
}
