/**
 * A 4-pin PWM fan (docs/hardware.md#fan) on a virtual PWM channel and a virtual GPIO
 * tachometer line, and a ThermalInfluence on a Room (it draws outside air in).
 *
 * What must hold:
 *  - speed command: the high fraction of the PWM (25 kHz, period 40 000 ns; polarity applied).
 *    The fan pulls its PWM input up, so a line nobody drives — channel not exported or
 *    disabled, or the wire cut ('pwm-unplugged') — means 100 %, full speed.
 *  - most fans do not stop at 0 %: below `minSpeedFraction` of the duty they hold that
 *    fraction of `maxRpm`: target = maxRpm · max(minSpeedFraction, duty).
 *  - inertia: the rotor follows the target as a first-order lag with `timeConstantMs`:
 *    rpm(t) = target + (rpm₀ − target)·e^(−t/τ); its revolutions are the exact integral.
 *  - tachometer: open collector, 2 pulses per revolution (rpm = pulse Hz × 30): the line is
 *    pulled low for the 2nd and 4th quarter of each revolution and released (board pull-up,
 *    high) otherwise. Edges are placed on the clock one at a time, at the time the rotor
 *    angle reaches each quarter, so a consumer counting falling edges over a window gets the
 *    rpm.
 *  - faults: 'stall' (rotor blocked: rpm 0 at once, no pulses, the line released high;
 *    restarts from 0 when cleared), 'tach-unplugged' (the tach wire is cut: the line floats
 *    high, the fan still turns), 'pwm-unplugged' (PWM wire cut: full speed).
 *  - air: heatW = −airflowWPerK · (rpm/maxRpm) · (roomC − outsideC).
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import type { VirtualGpioController } from '../gpio/index.js';
import type { Room, ThermalInfluence } from '../physics/room.js';
import type { VirtualPwmController } from '../pwm/index.js';

export type FanFault = 'stall' | 'tach-unplugged' | 'pwm-unplugged';

export interface FanOptions {
  readonly clock: Clock;
  readonly gpio: VirtualGpioController;
  readonly tachLine: number;
  readonly pwm: VirtualPwmController;
  readonly pwmChip?: number;
  readonly pwmChannel: number;
  /** Full speed; default 3000 rpm. */
  readonly maxRpm?: number;
  /** Speed at 0 % duty as a fraction of maxRpm; default 0.2 (0 for a fan that stops). */
  readonly minSpeedFraction?: number;
  /** Spin-up / spin-down time constant; default 2000 ms. */
  readonly timeConstantMs?: number;
  /** If given, the fan adds itself as an influence. */
  readonly room?: Room;
  /**
   * Heat carried per kelvin of room–outside difference at full speed, W/K. Default 57: a
   * 120 mm fan moving 170 m³/h of air (0.047 m³/s · 1.2 kg/m³ · 1005 J/(kg·K)).
   */
  readonly airflowWPerK?: number;
  readonly name?: string;
}

/** Time between tach edges while catching up after a burst (so each edge is seen on its own). */
const CATCH_UP_MS = 0.05;
/** The longest wait between tach re-evaluations while the rotor turns. */
const MAX_TICK_MS = 100;

export class VirtualFan implements ThermalInfluence {
  readonly name: string;
  readonly maxRpm: number;
  private readonly o: FanOptions;
  private readonly chip: number;
  private readonly minFraction: number;
  private readonly tauMs: number;
  private readonly airflow: number;
  private readonly activeFaults = new Set<FanFault>();
  private readonly unsubscribe: () => void;
  // First-order lag, from t0: rpm0 at t0, revs0 revolutions done by t0, heading for target.
  private t0: number;
  private rpm0 = 0;
  private revs0 = 0;
  private target = 0;
  /** Quarter-revolution index the tach line shows. */
  private shownQuarter = 0;
  private tachSilent = false;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(options: FanOptions) {
    this.o = options;
    this.name = options.name ?? 'fan';
    this.chip = options.pwmChip ?? 0;
    this.maxRpm = options.maxRpm ?? 3000;
    this.minFraction = options.minSpeedFraction ?? 0.2;
    this.tauMs = options.timeConstantMs ?? 2000;
    this.airflow = options.airflowWPerK ?? 57;
    if (!(this.maxRpm > 0 && this.minFraction >= 0 && this.minFraction <= 1 && this.tauMs > 0)) {
      throw new RangeError(`fan "${this.name}": need maxRpm > 0, 0 ≤ minSpeedFraction ≤ 1, timeConstantMs > 0`);
    }
    this.t0 = options.clock.now();
    options.gpio.setPull(options.tachLine, 'up');
    options.gpio.release(options.tachLine);
    this.unsubscribe = options.pwm.onChange(this.chip, options.pwmChannel, () => this.retarget());
    this.retarget();
    options.room?.addInfluence(this);
  }

  /** Rotor speed now. */
  get rpm(): number {
    return this.rpmAt(this.o.clock.now());
  }

  /** Where the rotor is heading. */
  get targetRpm(): number {
    return this.target;
  }

  /** The speed command the fan sees, 0..1 (1 when its PWM input is not driven). */
  get dutyFraction(): number {
    if (this.activeFaults.has('pwm-unplugged')) return 1;
    return this.o.pwm.outputFraction(this.chip, this.o.pwmChannel) ?? 1;
  }

  /** PWM frequency while driven (4-pin fans expect 21–28 kHz). */
  get pwmFrequencyHz(): number | undefined {
    const s = this.o.pwm.state(this.chip, this.o.pwmChannel);
    return s.exported && s.enabled && s.periodNs > 0 ? 1e9 / s.periodNs : undefined;
  }

  get faults(): readonly FanFault[] {
    return [...this.activeFaults];
  }

  inject(fault: FanFault): void {
    this.activeFaults.add(fault);
    if (fault === 'stall') {
      this.rebase();
      this.rpm0 = 0;
    }
    this.retarget();
  }

  /** Clears one fault, or all. */
  clear(fault?: FanFault): void {
    if (fault === undefined) this.activeFaults.clear();
    else this.activeFaults.delete(fault);
    this.retarget();
  }

  heatW(roomC: number, outsideC: number): number {
    return -this.airflow * (this.rpm / this.maxRpm) * (roomC - outsideC);
  }

  /** Stops the tach timer and lets go of the lines. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.o.gpio.release(this.o.tachLine);
  }

  private retarget(): void {
    if (this.closed) return;
    this.o.room?.advance();
    this.rebase();
    this.target = this.activeFaults.has('stall') ? 0 : this.maxRpm * Math.max(this.minFraction, this.dutyFraction);
    this.tick();
  }

  private rebase(): void {
    const now = this.o.clock.now();
    this.revs0 = this.revsAt(now);
    this.rpm0 = this.rpmAt(now);
    this.t0 = now;
  }

  private rpmAt(t: number): number {
    return this.target + (this.rpm0 - this.target) * Math.exp(-(t - this.t0) / this.tauMs);
  }

  private revsAt(t: number): number {
    const dt = t - this.t0;
    const minutes = (this.target * dt + (this.rpm0 - this.target) * this.tauMs * (1 - Math.exp(-dt / this.tauMs))) / 60_000;
    return this.revs0 + minutes;
  }

  /** Moves the tach line one quarter on if the rotor has got there, and plans the next look. */
  private tick(): void {
    const { clock, gpio, tachLine } = this.o;
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.timer = undefined;
    const now = clock.now();
    const reached = Math.floor(this.revsAt(now) * 4);
    if (this.activeFaults.has('tach-unplugged') || this.activeFaults.has('stall')) {
      // No pulses; the line floats high. Nothing to plan until a fault is cleared.
      this.shownQuarter = reached;
      this.tachSilent = true;
      gpio.release(tachLine);
      return;
    }
    if (this.tachSilent) {
      // Reconnected: the line shows where the rotor is now (no burst of missed pulses).
      this.tachSilent = false;
      this.shownQuarter = reached;
      this.showQuarter();
    } else if (reached > this.shownQuarter) {
      this.shownQuarter += 1;
      this.showQuarter();
    }
    const rpm = this.rpmAt(now);
    if (rpm < 1 && this.target < 1) return;
    let wait: number;
    if (this.shownQuarter < reached) wait = CATCH_UP_MS;
    else {
      const left = (this.shownQuarter + 1) / 4 - this.revsAt(now);
      wait = rpm > 0 ? (left * 60_000) / rpm : MAX_TICK_MS;
    }
    this.timer = clock.setTimeout(() => this.tick(), Math.min(MAX_TICK_MS, Math.max(0.001, wait)));
  }

  /** Quarters 1 and 3 of each revolution: output transistor on, line low (a falling edge on entry). */
  private showQuarter(): void {
    const { gpio, tachLine } = this.o;
    if (this.shownQuarter % 2 === 1) gpio.drive(tachLine, 0);
    else gpio.release(tachLine);
  }
}
