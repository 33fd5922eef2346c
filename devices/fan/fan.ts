/**
 * The fan device: a 4-pin PWM fan (25 kHz PWM channel, tachometer on a GPIO input).
 * Properties: speed (commanded %, writable), output (% driven now), rpm, stalled, failSafe.
 *
 * Flow:
 *  start: 1. open the PWM channel straight at the safe speed (full speed by default: a fan
 *            with an undriven PWM input runs at full speed too, docs/hardware.md#fan) and enable it;
 *            the commanded speed is the one `onBoot` asks for (default 'hold': remembered from
 *            before a restart in `memory`; 'safe'; or a speed), driven once the temperature
 *            source has given a reading (at the first poll without one);
 *         2. open the tach input (falling edges) and start counting;
 *         3. poll every `windowMs`, the first poll one window after start.
 *  poll:  1. rpm from the pulses of the window just ended (tach.ts);
 *         2. stall: output > stall.minSpeedPct and rpm < stall.belowRpm for stall.afterMs →
 *            'stall' alarm, stalled = true, health degraded (a standing fault); cleared by rpm;
 *         3. fail-safe (fail-safe.ts): engaged → output = safe speed, 'fail-safe' alarm;
 *            released → back to the commanded speed, 'fail-safe-cleared';
 *         4. drive the output if it changed (writes serialized; a failed write is a poll
 *            failure: health, backoff, retried by the next poll).
 *  set speed: validated (0..100) by DeviceBase, stored as the command, driven unless the
 *         fail-safe holds the output at the safe speed; resolves with the commanded speed.
 *  stop:  polling stops, the output goes where `onStop` says (default 'safe': the safe speed;
 *         'hold': as driven; or a speed), awaited; lines are closed (a closed PWM channel keeps
 *         running as it was: drivers/pwm/sysfs-pwm.ts).
 */
import { Mutex, type Clock } from '../../common/index.js';
import type { GpioController, PwmChannel, PwmController } from '../../drivers/index.js';
import { DeviceBase } from '../model/base.js';
import { bootState, type OutputMemory, type OutputPolicy } from '../model/output-policy.js';
import { DeviceError, type Device, type DeviceDescription, type Value } from '../model/types.js';
import { errorMessage } from '../model/health.js';
import { FailSafeMonitor, type FailSafeOptions } from './fail-safe.js';
import { TachCounter } from './tach.js';

export interface FanStallOptions {
  /** Stall is checked only while the output is above this; default 10 % (some fans stop at 0 %). */
  readonly minSpeedPct?: number;
  /** "No rotation" below this; default 100 rpm. */
  readonly belowRpm?: number;
  /** For this long; default 5000 ms (spin-up from rest takes a few seconds). */
  readonly afterMs?: number;
}

export interface FanOptions {
  readonly name: string;
  readonly clock: Clock;
  readonly pwm: PwmController;
  readonly pwmChip: number;
  readonly pwmChannel: number;
  readonly gpio: GpioController;
  readonly tachLine: number;
  /** Default 2 (docs/hardware.md#fan). */
  readonly pulsesPerRevolution?: number;
  /** Default 25 000 Hz (4-pin fans expect 21–28 kHz). */
  readonly pwmFrequencyHz?: number;
  /** Output at start, at stop and while the fail-safe holds; default 100 %. */
  readonly safeSpeedPct?: number;
  /** Tach window and poll period; default 1000 ms. */
  readonly windowMs?: number;
  readonly stall?: FanStallOptions;
  readonly failSafe?: FailSafeOptions;
  /** Shown as the part; default "4-pin PWM fan". */
  readonly part?: string;
  readonly failAfter?: number;
  readonly maxIntervalMs?: number;
  readonly random?: () => number;
  /** The last commanded speed, kept across restarts (model/output-policy.ts). */
  readonly memory?: OutputMemory<number>;
  /** The commanded speed at start, driven once the temperature source has read; default 'hold' (remembered, else safe). */
  readonly onBoot?: OutputPolicy<number>;
  /** At stop; default 'safe' (nothing watches the temperature while the gateway is down). 'hold' leaves the output as driven. */
  readonly onStop?: OutputPolicy<number>;
}

export function createFan(options: FanOptions): Device {
  return new Fan(options);
}

function describeFan(o: FanOptions): DeviceDescription {
  const pct = { type: 'number', min: 0, max: 100, unit: '%' } as const;
  return {
    name: o.name,
    kind: 'fan',
    part: `${o.part ?? '4-pin PWM fan'} (pwmchip${o.pwmChip}/pwm${o.pwmChannel}, tach GPIO${o.tachLine})`,
    properties: [
      { name: 'speed', ...pct, writable: true, observable: true, rt: 'pia.fan.speed', description: 'Commanded speed, % of full' },
      { name: 'output', ...pct, writable: false, observable: true, rt: 'pia.fan.output', description: 'PWM duty driven now, %: the safe speed while the fail-safe holds' },
      { name: 'rpm', type: 'number', min: 0, unit: '/min', writable: false, observable: true, rt: 'pia.fan.rpm', description: 'Measured rotor speed from the tachometer' },
      { name: 'stalled', type: 'boolean', writable: false, observable: true, rt: 'pia.fan.stalled', description: 'Driven but not turning' },
      { name: 'failSafe', type: 'boolean', writable: false, observable: true, rt: 'pia.fan.failsafe', description: 'Held at the safe speed because the temperature source failed or is too hot' },
    ],
    actions: [],
    blobs: [],
  };
}

class Fan extends DeviceBase {
  private readonly o: FanOptions;
  private readonly safePct: number;
  private readonly periodNs: number;
  private readonly stallMinPct: number;
  private readonly stallBelowRpm: number;
  private readonly stallAfterMs: number;
  private readonly writes = new Mutex();
  private readonly poller;
  private readonly failSafe: FailSafeMonitor | undefined;
  private channel: PwmChannel | undefined;
  private tach: TachCounter | undefined;
  private commandedPct: number;
  /** From start until the temperature source gave a reading (or a command came): the output stays at the safe speed. */
  private bootHold = false;
  private drivenPct: number | undefined;
  private lowSinceMs: number | undefined;

  constructor(options: FanOptions) {
    super({ description: describeFan(options), clock: options.clock, ...(options.failAfter === undefined ? {} : { failAfter: options.failAfter }) });
    this.o = options;
    this.safePct = options.safeSpeedPct ?? 100;
    if (!(this.safePct >= 0 && this.safePct <= 100)) throw new RangeError(`fan "${options.name}": safeSpeedPct must be within 0..100, got ${this.safePct}`);
    this.periodNs = Math.round(1e9 / (options.pwmFrequencyHz ?? 25_000));
    this.stallMinPct = options.stall?.minSpeedPct ?? 10;
    this.stallBelowRpm = options.stall?.belowRpm ?? 100;
    this.stallAfterMs = options.stall?.afterMs ?? 5000;
    for (const [what, p] of [['onBoot', options.onBoot], ['onStop', options.onStop]] as const) {
      if (typeof p === 'object' && !(p.value >= 0 && p.value <= 100)) throw new RangeError(`fan "${options.name}": ${what} speed must be within 0..100, got ${p.value}`);
    }
    this.commandedPct = this.safePct;
    this.failSafe = options.failSafe === undefined ? undefined : new FailSafeMonitor(options.failSafe, options.clock.now());
    this.poller = this.createPoller(() => this.poll(), {
      intervalMs: options.windowMs ?? 1000,
      maxIntervalMs: options.maxIntervalMs ?? 30_000,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
  }

  async start(): Promise<void> {
    if (this.channel !== undefined) return;
    const { pwm, pwmChip, pwmChannel, gpio, tachLine, clock } = this.o;
    try {
      const channel = await pwm.openChannel(pwmChip, pwmChannel);
      await channel.configure({ periodNs: this.periodNs, dutyNs: this.dutyNs(this.safePct), enabled: true });
      this.channel = channel;
      this.drivenPct = this.safePct;
      this.tach = new TachCounter(await gpio.openInput(tachLine, { edge: 'falling' }), clock, this.o.pulsesPerRevolution ?? 2);
    } catch (e) {
      this.healthTracker.fail(e);
      await this.closeLines();
      throw new DeviceError('failed', `${this.name}: cannot start: ${errorMessage(e)}`);
    }
    this.commandedPct = bootState(this.o.onBoot ?? 'hold', this.safePct, this.o.memory);
    this.bootHold = true;
    this.lowSinceMs = undefined;
    this.healthTracker.setFault('stall', undefined);
    this.failSafe?.reset(clock.now());
    this.update({ speed: this.commandedPct, output: this.safePct, rpm: null, stalled: false, failSafe: false });
    this.poller.start(this.o.windowMs ?? 1000);
  }

  async stop(): Promise<void> {
    await this.poller.stop();
    if (this.channel === undefined) return;
    const policy = this.o.onStop ?? 'safe';
    const pct = policy === 'safe' ? this.safePct : policy === 'hold' ? undefined : policy.value;
    try {
      if (pct !== undefined) await this.writes.run(() => this.drive(pct)); // 'hold': the channel keeps running as driven after close
    } catch (e) {
      this.healthTracker.fail(e);
      throw new DeviceError('failed', `${this.name}: could not go to its ${policy === 'safe' ? 'safe' : 'stop'} speed ${pct} %: ${errorMessage(e)}`);
    } finally {
      await this.closeLines();
    }
  }

  protected override async write(_property: string, value: Value): Promise<Value> {
    if (this.channel === undefined) throw new DeviceError('busy', `${this.name} is stopped; it takes commands once started`);
    this.commandedPct = value as number;
    this.bootHold = false; // an operator's command is explicit: it is driven at once
    this.update({ speed: this.commandedPct });
    try {
      await this.applyOutput();
    } catch (e) {
      this.healthTracker.fail(e);
      throw new DeviceError('failed', `${this.name}: could not set the speed: ${errorMessage(e)}`);
    }
    this.o.memory?.save(this.commandedPct);
    return this.commandedPct;
  }

  private async poll(): Promise<void> {
    const now = this.clock.now();
    const tach = this.tach;
    if (tach === undefined) return;
    const { rpm } = tach.take();
    this.update({ rpm: Math.round(rpm) });
    this.checkStall(rpm, now);
    const decision = this.failSafe?.evaluate(now);
    if (decision?.engage === true) {
      this.update({ failSafe: true });
      this.emit('fail-safe', 'alarm', `${this.name}: running at the safe speed ${this.safePct} %: ${decision.reason}`);
    } else if (decision?.engage === false) {
      this.update({ failSafe: false });
      this.emit('fail-safe-cleared', 'info', `${this.name}: back to the commanded ${this.commandedPct} %: ${decision.reason}`);
    }
    if (this.failSafe === undefined || this.failSafe.hasReading) this.bootHold = false;
    await this.applyOutput();
  }

  private checkStall(rpm: number, now: number): void {
    const stalled = this.value('stalled') === true;
    const checkable = (this.drivenPct ?? 0) > this.stallMinPct;
    if (rpm >= this.stallBelowRpm || !checkable) {
      this.lowSinceMs = undefined;
      if (stalled && rpm >= this.stallBelowRpm) {
        this.update({ stalled: false });
        this.healthTracker.setFault('stall', undefined);
        this.emit('stall-cleared', 'info', `${this.name}: turning again at ${Math.round(rpm)} rpm`);
      }
      return;
    }
    this.lowSinceMs ??= now - (this.o.windowMs ?? 1000);
    if (!stalled && now - this.lowSinceMs >= this.stallAfterMs) {
      const message = `${this.name}: stalled: driven at ${this.drivenPct} % but ${Math.round(rpm)} rpm for ${Math.round((now - this.lowSinceMs) / 1000)} s; check for a blocked rotor or a cut tach wire`;
      this.update({ stalled: true });
      this.healthTracker.setFault('stall', message);
      this.emit('stall', 'alarm', message);
    }
  }

  /** Drives what should be driven now: the safe speed under the fail-safe, else the command. */
  private applyOutput(): Promise<void> {
    return this.writes.run(async () => {
      const wanted = this.failSafe?.isEngaged === true || this.bootHold ? this.safePct : this.commandedPct;
      if (wanted !== this.drivenPct) {
        this.lowSinceMs = undefined; // the rotor needs time to follow a new speed
        await this.drive(wanted);
      }
    });
  }

  private async drive(pct: number): Promise<void> {
    const channel = this.channel;
    if (channel === undefined) return;
    await channel.setDutyFraction(pct / 100);
    this.drivenPct = pct;
    this.update({ output: pct });
  }

  private dutyNs(pct: number): number {
    return Math.round((this.periodNs * pct) / 100);
  }

  private async closeLines(): Promise<void> {
    const { channel, tach } = this;
    this.channel = undefined;
    this.tach = undefined;
    await Promise.allSettled([channel?.close(), tach?.close()]);
  }
}
