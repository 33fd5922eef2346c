/**
 * The lighting device: a relay on a GPIO output switches the circuit; an optional PWM
 * channel drives the LED driver's dimming input. Properties: on (writable), and level
 * (0..100 %, writable) when there is a dimmer. Outputs are the state; there is nothing to
 * measure, so the poll re-reads the outputs and puts back what was commanded.
 *
 * Flow:
 *  start: 1. the relay line is exported straight into the safe state (GpioOutputOptions.initial:
 *            no click through the other state), then the dimmer is configured at the safe
 *            level and enabled;
 *         2. every `verifyIntervalMs`: read the relay and the dimmer back; a difference from
 *            the commanded state is written again ('output-restored' warning); a failed read
 *            or write is a poll failure (health, backoff), and the next good poll recovers.
 *  set:   validated by DeviceBase, written (serialized with the poll), then stored as the
 *         commanded state; a failed write leaves the last commanded state (and fails the call).
 *  stop:  polling stops; by `onStop` (default 'hold') the outputs stay as they are, or go to the
 *         safe or a given state, awaited. The lines stay held either way: closing a GPIO output
 *         returns the pin to an input and drops the relay (drivers/gpio/onoff-controller.ts).
 *  boot:  by `onBoot` (model/output-policy.ts). 'hold' (default): the state is read back from
 *         the hardware where the driver can (GpioController.openOutputKeeping: a relay line a
 *         previous process left driven keeps its level, nothing written; then the dimmer's
 *         PwmChannel.read(), when it runs at this device's period); where it cannot (a power
 *         cycle, a driver without read-back) the last commanded state from `memory`, saved after
 *         each command; else the safe state. A read-back that differs from `memory` wins, is
 *         saved, and says so ('state-read-back'). Only with `onStop` 'hold' too: another stop
 *         policy leaves its stop state on the lines, which is no command. 'safe' or a value:
 *         that state. Either way the relay is exported straight at it: a restart does not blink
 *         an occupied office dark.
 * Safe state: off by default (configurable, e.g. on at full level for escape lighting).
 */
import { Mutex, type Clock } from '../../common/index.js';
import type { GpioController, GpioOutput, Level, PwmChannel, PwmController } from '../../drivers/index.js';
import { DeviceBase } from '../model/base.js';
import { bootState, type OutputMemory, type OutputPolicy } from '../model/output-policy.js';
import { errorMessage } from '../model/health.js';
import { DeviceError, type Device, type DeviceDescription, type PropertySpec, type Value } from '../model/types.js';

export interface LightingDimmer {
  readonly pwm: PwmController;
  readonly chip: number;
  readonly channel: number;
  /** Default 1000 Hz (a common LED-driver dimming input). */
  readonly frequencyHz?: number;
}

export interface LightingState {
  readonly on: boolean;
  /** 0..100 %; ignored without a dimmer. */
  readonly levelPct: number;
}

export interface LightingOptions {
  readonly name: string;
  readonly clock: Clock;
  readonly gpio: GpioController;
  readonly relayLine: number;
  /** The relay is energized by a low line (a common relay-board input); default false. */
  readonly relayActiveLow?: boolean;
  readonly dimmer?: LightingDimmer;
  /** The safe state; default off at 100 %. */
  readonly safe?: LightingState;
  /** At start; default 'hold' (the remembered state, else safe). */
  readonly onBoot?: OutputPolicy<LightingState>;
  /** At stop; default 'hold' (outputs left as they are). */
  readonly onStop?: OutputPolicy<LightingState>;
  /** Where the last commanded state is kept across restarts. */
  readonly memory?: OutputMemory<LightingState>;
  /** Read-back period; default 5000 ms. */
  readonly verifyIntervalMs?: number;
  /** Shown as the part; default "relay". */
  readonly part?: string;
  readonly failAfter?: number;
  readonly maxIntervalMs?: number;
  readonly random?: () => number;
}

export function createLighting(options: LightingOptions): Device {
  return new Lighting(options);
}

function describeLighting(o: LightingOptions): DeviceDescription {
  const properties: PropertySpec[] = [
    { name: 'on', type: 'boolean', writable: true, observable: true, rt: 'pia.light.on', description: 'Circuit switched on (relay energized)' },
  ];
  if (o.dimmer !== undefined) {
    properties.push({ name: 'level', type: 'number', min: 0, max: 100, unit: '%', writable: true, observable: true, rt: 'pia.light.level', description: 'Dimming level while on, %' });
  }
  const dimmer = o.dimmer === undefined ? '' : `, dimmer pwmchip${o.dimmer.chip}/pwm${o.dimmer.channel}`;
  return { name: o.name, kind: 'lighting', part: `${o.part ?? 'relay'} (GPIO${o.relayLine}${dimmer})`, properties, actions: [], blobs: [] };
}

class Lighting extends DeviceBase {
  private readonly o: LightingOptions;
  private readonly safe: LightingState;
  private readonly periodNs: number;
  private readonly writes = new Mutex();
  private readonly poller;
  private relay: GpioOutput | undefined;
  private dimmer: PwmChannel | undefined;
  private commanded: LightingState;
  private running = false;

  constructor(options: LightingOptions) {
    super({ description: describeLighting(options), clock: options.clock, ...(options.failAfter === undefined ? {} : { failAfter: options.failAfter }) });
    this.o = options;
    this.safe = options.safe ?? { on: false, levelPct: 100 };
    if (!(this.safe.levelPct >= 0 && this.safe.levelPct <= 100)) throw new RangeError(`lighting "${options.name}": safe.levelPct must be within 0..100`);
    this.periodNs = Math.round(1e9 / (options.dimmer?.frequencyHz ?? 1000));
    this.commanded = this.safe;
    this.poller = this.createPoller(() => this.verify(), {
      intervalMs: options.verifyIntervalMs ?? 5000,
      maxIntervalMs: options.maxIntervalMs ?? 60_000,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    const policy = this.o.onBoot ?? 'hold';
    const remembered = bootState(policy, this.safe, this.o.memory);
    let boot = remembered;
    let readBack = false;
    try {
      await this.writes.run(async () => {
        const relay = await this.openRelay(policy === 'hold' && (this.o.onStop ?? 'hold') === 'hold', remembered.on);
        readBack = relay !== undefined;
        if (this.dimmer === undefined && this.o.dimmer !== undefined) this.dimmer = await this.o.dimmer.pwm.openChannel(this.o.dimmer.chip, this.o.dimmer.channel);
        boot = relay === undefined ? remembered : { on: relay.on, levelPct: (await this.dimmerLevel(remembered.levelPct)) ?? remembered.levelPct };
        await this.dimmer?.configure({ periodNs: this.periodNs, dutyNs: this.dutyNs(boot.levelPct), enabled: true });
      });
    } catch (e) {
      this.healthTracker.fail(e);
      throw new DeviceError('failed', `${this.name}: cannot start: ${errorMessage(e)}`);
    }
    this.setCommanded(boot);
    if (readBack && (boot.on !== remembered.on || (this.o.dimmer !== undefined && boot.levelPct !== remembered.levelPct))) {
      this.o.memory?.save(boot);
      this.emit('state-read-back', 'info', `${this.name}: ${this.describeState(boot)} as read back from the hardware (the kept state was ${this.describeState(remembered)})`);
    }
    this.running = true;
    this.poller.start(this.o.verifyIntervalMs ?? 5000);
  }

  /**
   * Opens the relay (or, opened before, writes it) at `on`; with `keep` and a driver that can,
   * a line still driven by a previous process keeps its level: that level is returned. A relay
   * this device holds already (a start that failed later, a stop that held it) is read instead.
   */
  private async openRelay(keep: boolean, on: boolean): Promise<{ on: boolean } | undefined> {
    const { gpio, relayLine } = this.o;
    const activeLow = this.o.relayActiveLow === true ? { activeLow: true } : {};
    const canKeep = keep && gpio.openOutputKeeping !== undefined;
    if (this.relay !== undefined) {
      if (canKeep) return { on: (await this.relay.read()) === 1 };
      await this.relay.write(this.relayLevel(on));
      return undefined;
    }
    if (canKeep && gpio.openOutputKeeping !== undefined) {
      const { output, kept } = await gpio.openOutputKeeping(relayLine, { fallback: this.relayLevel(on), ...activeLow });
      this.relay = output;
      return kept === undefined ? undefined : { on: kept === 1 };
    }
    this.relay = await gpio.openOutput(relayLine, { initial: this.relayLevel(on), ...activeLow });
    return undefined;
  }

  /**
   * The level the dimmer runs at now, when it runs at this device's period and polarity (else
   * undefined): `remembered` when that gives the same duty (a level may be stored finer than the 0.01 % given here).
   */
  private async dimmerLevel(remembered: number): Promise<number | undefined> {
    if (this.dimmer === undefined) return undefined;
    const s = await this.dimmer.read();
    if (!s.enabled || s.periodNs !== this.periodNs || (s.polarity ?? 'normal') !== 'normal') return undefined;
    return s.dutyNs === this.dutyNs(remembered) ? remembered : Math.round((s.dutyNs * 10_000) / s.periodNs) / 100;
  }

  private describeState(s: LightingState): string {
    return s.on ? (this.o.dimmer === undefined ? 'on' : `on at ${s.levelPct} %`) : 'off';
  }

  async stop(): Promise<void> {
    await this.poller.stop();
    if (!this.running) return;
    this.running = false;
    const policy = this.o.onStop ?? 'hold';
    if (policy === 'hold') return; // the outputs stay as commanded; the lines stay held
    const state = policy === 'safe' ? this.safe : policy.value;
    try {
      await this.writes.run(() => this.apply(state));
      this.setCommanded(state);
    } catch (e) {
      this.healthTracker.fail(e);
      throw new DeviceError('failed', `${this.name}: could not go to its ${policy === 'safe' ? 'safe' : 'stop'} state (${state.on ? 'on' : 'off'}): ${errorMessage(e)}`);
    }
  }

  protected override async write(property: string, value: Value): Promise<Value> {
    if (!this.running) throw new DeviceError('busy', `${this.name} is stopped; it takes commands once started`);
    const next: LightingState = property === 'on' ? { ...this.commanded, on: value as boolean } : { ...this.commanded, levelPct: value as number };
    try {
      await this.writes.run(() => this.apply(next));
    } catch (e) {
      this.healthTracker.fail(e);
      throw new DeviceError('failed', `${this.name}: could not set ${property}: ${errorMessage(e)}`);
    }
    this.setCommanded(next);
    this.o.memory?.save(next);
    return value;
  }

  /** Reads the outputs back and restores the commanded state where it differs. */
  private verify(): Promise<void> {
    return this.writes.run(async () => {
      const want = this.commanded;
      const relay = this.relay;
      if (relay === undefined) return;
      const drifted: string[] = [];
      if ((await relay.read()) !== this.relayLevel(want.on)) drifted.push('relay');
      if (this.dimmer !== undefined) {
        const s = await this.dimmer.read();
        if (!s.enabled || s.periodNs !== this.periodNs || s.dutyNs !== this.dutyNs(want.levelPct)) drifted.push('dimmer');
      }
      if (drifted.length === 0) return;
      await this.apply(want);
      this.emit('output-restored', 'warning', `${this.name}: ${drifted.join(' and ')} did not hold the commanded state; written again`);
    });
  }

  /** Drives both outputs to `state` (call inside `writes`). */
  private async apply(state: LightingState): Promise<void> {
    await this.relay?.write(this.relayLevel(state.on));
    await this.dimmer?.configure({ periodNs: this.periodNs, dutyNs: this.dutyNs(state.levelPct), enabled: true });
  }

  private setCommanded(state: LightingState): void {
    this.commanded = state;
    this.update(this.o.dimmer === undefined ? { on: state.on } : { on: state.on, level: state.levelPct });
  }

  /** The logical line level for relay energized/not (activeLow is applied by the driver). */
  private relayLevel(on: boolean): Level {
    return on ? 1 : 0;
  }

  private dutyNs(pct: number): number {
    return Math.round((this.periodNs * pct) / 100);
  }
}
