/**
 * A virtual GPIO header: the gateway opens lines through `GpioController` (as it would with
 * onoff); virtual parts on the other side drive inputs and watch outputs.
 *
 * The wire, per line (all levels here are physical unless named logical):
 *  - the gateway's output wins when the line is an output;
 *  - otherwise a part drives it (`drive`), or nobody does (`release`) and the pull decides
 *    (`setPull`; BCM2711 reset pulls: GPIO 0–8 up, 9–27 down). An open-collector part (a fan
 *    tachometer, a contact to ground) drives 0 or releases.
 * What the gateway sees follows onoff 6.0.3 on sysfs:
 *  1. a physical change on an open input is an edge; with activeLow, logical = physical XOR 1
 *     and the kernel swaps rising/falling (gpiolib-sysfs), so edges are logical edges;
 *  2. the kernel wakes onoff only on the edges it was configured for ('rising', 'falling',
 *     'both') and only while someone watches;
 *  3. without debounce, onoff's handler runs after the wake-up (here: a microtask) and
 *     reads the *current* value, calling back if that value matches an enabled edge;
 *  4. with debounceMs, wake-ups restart a quiet period (lodash.debounce trailing); when it
 *     ends the value is read once and step 3's filter applies.
 * Outputs: `openOutput` drives the initial level at once (exported straight into it, as the
 * onoff driver does), so `onOutput` listeners never see another level first. Closing an
 * output returns the pin to an input (bcm2835_pmx_free sets GPIO_IN): the line floats.
 * A process that ends without closing its lines (`endProcess`: a SIGKILL, or a stop that holds
 * its outputs) leaves its outputs exported and driven, as sysfs does; the next process opens
 * them with `openOutputKeeping` and finds their level (drivers/gpio/sysfs-line.ts), or with
 * `openOutput`, which moves them to its initial level.
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import { GpioError } from '../../drivers/gpio/index.js';
import type { GpioController, GpioInput, GpioInputOptions, GpioKeepOptions, GpioKeptOutput, GpioOutput, GpioOutputOptions, Level } from '../../drivers/gpio/index.js';
import { VirtualInput, VirtualOutput, toPhysical } from './line-handles.js';

export type Pull = 'up' | 'down';
/** What drives a line: a level, or 'z' (high impedance: nobody). */
export type LineDrive = Level | 'z';

export interface BounceOptions {
  /** Extra returns to the old state before settling; default 3. */
  readonly toggles?: number;
  /** Time from the first contact to the final settle, ms; default 2. */
  readonly spanMs?: number;
}

export interface VirtualGpioOptions {
  readonly clock: Clock;
  /** Number of lines, BCM 0..lines-1; default 28 (the 40-pin header). */
  readonly lines?: number;
}

interface LineState {
  pull: Pull;
  part: LineDrive;
  /** Physical level the gateway drives, when the line is an output. */
  output: Level | undefined;
  /** The gateway's handle on its output; undefined when the line is not one, or its process ended. */
  outputHandle: VirtualOutput | undefined;
  input: VirtualInput | undefined;
  readonly outputListeners: Set<(drive: LineDrive) => void>;
  bounceTimers: TimerHandle[];
}

export class VirtualGpioController implements GpioController {
  readonly clock: Clock;
  private readonly lines: LineState[] = [];

  constructor(options: VirtualGpioOptions) {
    this.clock = options.clock;
    const n = options.lines ?? 28;
    for (let i = 0; i < n; i++) {
      this.lines.push({ pull: i <= 8 ? 'up' : 'down', part: 'z', output: undefined, outputHandle: undefined, input: undefined, outputListeners: new Set(), bounceTimers: [] });
    }
  }

  // ---- gateway side -------------------------------------------------------------------

  openInput(line: number, options: GpioInputOptions = {}): Promise<GpioInput> {
    return attempt(() => {
      const s = this.claim(line);
      const input = new VirtualInput(this, line, options);
      s.input = input;
      return input;
    });
  }

  openOutput(line: number, options: GpioOutputOptions): Promise<GpioOutput> {
    return attempt(() => {
      const s = this.claim(line);
      checkLevel(line, 'initial', options.initial);
      const activeLow = options.activeLow ?? false;
      this.setOutput(line, s, toPhysical(options.initial, activeLow));
      return (s.outputHandle = new VirtualOutput(this, line, activeLow));
    });
  }

  /** As the onoff driver's: a line still driven by an ended process keeps its level (module comment). */
  openOutputKeeping(line: number, options: GpioKeepOptions): Promise<GpioKeptOutput> {
    return attempt(() => {
      const s = this.claim(line);
      checkLevel(line, 'fallback', options.fallback);
      const activeLow = options.activeLow ?? false;
      const kept = s.output === undefined ? undefined : toPhysical(s.output, activeLow);
      if (kept === undefined) this.setOutput(line, s, toPhysical(options.fallback, activeLow));
      return { output: (s.outputHandle = new VirtualOutput(this, line, activeLow)), kept };
    });
  }

  /**
   * The gateway process ends without closing its lines (SIGKILL, or a stop that holds its
   * outputs): its handles stop working; its outputs stay exported and driven.
   */
  endProcess(): void {
    for (const s of this.lines) {
      s.outputHandle?.detach();
      s.outputHandle = undefined;
      void s.input?.close();
    }
  }

  // ---- part side ----------------------------------------------------------------------

  /** A part drives the line to a physical level (cancels a bounce in progress). */
  drive(line: number, level: Level): void {
    this.cancelBounce(line);
    this.setPart(line, level);
  }

  /** A part lets go of the line: it floats to its pull. */
  release(line: number): void {
    this.cancelBounce(line);
    this.setPart(line, 'z');
  }

  setPull(line: number, pull: Pull): void {
    this.change(line, (s) => (s.pull = pull));
  }

  /**
   * A mechanical contact moving to `to`: it reaches `to` at once, then chatters back to the
   * old state `toggles` times within `spanMs` before it settles (contact bounce).
   */
  bounce(line: number, to: LineDrive, options: BounceOptions = {}): void {
    const s = this.state(line);
    this.cancelBounce(line);
    const from = s.part;
    this.setPart(line, to);
    const toggles = options.toggles ?? 3;
    const span = options.spanMs ?? 2;
    if (from === to || toggles <= 0) return;
    const step = span / (2 * toggles);
    for (let i = 1; i <= toggles; i++) {
      s.bounceTimers.push(this.clock.setTimeout(() => this.setPart(line, from), (2 * i - 1) * step));
      s.bounceTimers.push(this.clock.setTimeout(() => this.setPart(line, to), 2 * i * step));
    }
  }

  /** The physical level on the wire. */
  level(line: number): Level {
    return physicalOf(this.state(line));
  }

  /** What the gateway drives: its physical output level, or 'z' when the line is not an output. */
  outputDrive(line: number): LineDrive {
    return this.state(line).output ?? 'z';
  }

  /** Follows what the gateway drives on `line` (changes only); returns an unsubscribe. */
  onOutput(line: number, listener: (drive: LineDrive) => void): () => void {
    const set = this.state(line).outputListeners;
    set.add(listener);
    return () => set.delete(listener);
  }

  mode(line: number): 'unused' | 'input' | 'output' {
    const s = this.state(line);
    return s.output !== undefined ? 'output' : s.input !== undefined ? 'input' : 'unused';
  }

  // ---- internals used by the handles ------------------------------------------------------

  /** @internal */
  writeOutput(line: number, physical: Level): void {
    const s = this.state(line);
    if (s.output === undefined) throw new GpioError('closed', `GPIO ${line} is closed: open it again to use it`);
    this.setOutput(line, s, physical);
  }

  /** @internal */
  releaseLine(line: number, kind: 'input' | 'output'): void {
    const s = this.state(line);
    if (kind === 'input') {
      s.input = undefined;
      return;
    }
    s.outputHandle = undefined;
    if (s.output === undefined) return;
    this.change(line, (st) => (st.output = undefined));
    for (const l of [...s.outputListeners]) l('z');
  }

  private claim(line: number): LineState {
    const s = this.state(line);
    const held = s.input !== undefined ? 'input' : s.outputHandle !== undefined ? 'output' : undefined;
    if (held !== undefined) throw new GpioError('busy', `GPIO ${line} is already open as an ${held}: close the other handle first`);
    return s;
  }

  private setOutput(line: number, s: LineState, physical: Level): void {
    if (s.output === physical) return;
    this.change(line, (st) => (st.output = physical));
    for (const l of [...s.outputListeners]) l(physical);
  }

  private setPart(line: number, drive: LineDrive): void {
    this.change(line, (s) => (s.part = drive));
  }

  private cancelBounce(line: number): void {
    const s = this.state(line);
    for (const t of s.bounceTimers) this.clock.clearTimeout(t);
    s.bounceTimers = [];
  }

  private change(line: number, mutate: (s: LineState) => void): void {
    const s = this.state(line);
    const before = physicalOf(s);
    mutate(s);
    const after = physicalOf(s);
    if (after !== before) s.input?.edge(after);
  }

  private state(line: number): LineState {
    const s = Number.isInteger(line) ? this.lines[line] : undefined;
    if (s === undefined) {
      throw new GpioError('line-range', `GPIO line ${line} does not exist on the virtual header (0–${this.lines.length - 1})`);
    }
    return s;
  }
}

/** Runs `fn` now; its result or its throw as a promise. */
function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

function checkLevel(line: number, what: string, level: Level): void {
  if (level !== 0 && level !== 1) throw new GpioError('invalid', `GPIO ${line}: ${what} level must be 0 or 1, got ${String(level)}`);
}

function physicalOf(s: LineState): Level {
  if (s.output !== undefined) return s.output;
  if (s.part !== 'z') return s.part;
  return s.pull === 'up' ? 1 : 0;
}
