/**
 * An electric lock as a `Device`: strike relay (GPIO output), reed door contact and optional
 * request-to-exit button (GPIO inputs, debounced), with the behaviour of lock-logic.ts. One
 * class for every lock kind; a `LockProfile` (profile.ts) makes it a door or a safe.
 *
 * Start:
 *  1. the relay line is opened straight at the LOCKED level (never passing through another:
 *     no click at boot, docs/hardware.md#door-lock); the relay level for locked
 *     follows the lock type: fail-secure strike de-energized (0), fail-safe maglock energized (1);
 *  2. the contact (and REX) inputs are opened debounced and watched; the contact's first
 *     reading sets `open`;
 *  3. the poller re-reads the contact (an edge the kernel missed is caught within a poll) and
 *     reads the relay back; a failure there is health, never a throw.
 * Stop: polling stops, inputs close, the relay is driven LOCKED and the write awaited. The
 * relay line is deliberately left open (exported, driven): closing it would float the pin,
 * de-energize the relay and, for a fail-safe maglock, unlock the door. sysfs keeps an exported
 * line at its level after the process exits, so the lock stays locked across a restart.
 * Physics still wins: a fail-safe maglock unlocks whenever its power is lost (gateway or lock
 * supply), by design, for life-safety egress. Only a fail-secure strike stays locked unpowered.
 */
import type { Clock } from '../../common/index.js';
import type { GpioController, GpioInput, GpioOutput, Level } from '../../drivers/index.js';
import { DeviceBase } from '../model/base.js';
import { DeviceError, type By, type Value } from '../model/types.js';
import { describeLock, type LockConfig } from './lock-description.js';
import { LockLogic } from './lock-logic.js';
import type { LockProfile, LockType } from './profile.js';

export interface LockOptions {
  /** Device name, e.g. "front-door". */
  readonly name: string;
  readonly gpio: GpioController;
  readonly clock: Clock;
  /** BCM line of the strike relay. */
  readonly relayLine: number;
  /** The relay board energizes on a low line (common opto-isolated boards); default false. */
  readonly relayActiveLow?: boolean;
  /** Default: the profile's (fail-secure). */
  readonly lockType?: LockType;
  /** BCM line of the door-position contact. */
  readonly contactLine: number;
  /** Level the contact reads with the door open; default 1 (reed to ground, pull-up: a cut wire reads open). */
  readonly contactOpenLevel?: Level;
  /** BCM line of the request-to-exit button, if one is wired. */
  readonly exitLine?: number;
  /** Level the REX input reads while pressed; default 0 (button to ground, pull-up). */
  readonly exitPressedLevel?: Level;
  /** Honour the REX input; default the profile's (door yes, safe no). */
  readonly rex?: boolean;
  /** Debounce of contact and REX inputs, ms; default 20 (contacts bounce for a few ms). */
  readonly debounceMs?: number;
  /** Longest `unlock` window, s; default the profile's, at most the profile's ceiling. */
  readonly maxUnlockSeconds?: number;
  /** `unlock` without `seconds`; default the profile's (capped at the maximum). */
  readonly defaultUnlockSeconds?: number;
  readonly rexUnlockSeconds?: number;
  readonly heldOpenSeconds?: number;
  readonly relockOnClose?: boolean;
  /** Contact and relay check interval, ms; default 1000. */
  readonly pollIntervalMs?: number;
  /** Poll backoff jitter source; default Math.random. */
  readonly random?: () => number;
  /** The part, for the description; default "<lock type> lock on GPIO<relay>". */
  readonly part?: string;
}

export class LockDevice extends DeviceBase {
  private readonly logic: LockLogic;
  private readonly lockedLevel: Level;
  private readonly poller;
  private relay: GpioOutput | undefined;
  private inputs: { input: GpioInput; unwatch: () => void }[] = [];
  private exitDown = false;

  constructor(
    private readonly profile: LockProfile,
    private readonly o: LockOptions,
    private readonly config: LockConfig,
  ) {
    super({ description: describeLock(profile, o, config), clock: o.clock });
    this.lockedLevel = config.lockType === 'fail-secure' ? 0 : 1;
    this.logic = new LockLogic(o.clock, { name: o.name, noun: profile.noun, ...config }, {
      drive: (locked) => this.drive(locked),
      changed: (property, value) => this.update({ [property]: value }),
      event: (kind, severity, message, by) => this.emit(kind, severity, message, by),
      failed: (error) => this.healthTracker.fail(error),
    });
    this.poller = this.createPoller(() => this.check(), {
      intervalMs: o.pollIntervalMs ?? 1000,
      ...(o.random === undefined ? {} : { random: o.random }),
    });
  }

  /** Every property; `unlockedUntil` is the whole seconds left now. */
  override read(): Readonly<Record<string, Value>> {
    return Object.freeze({ ...super.read(), unlockedUntil: this.logic.secondsLeft });
  }

  async start(): Promise<void> {
    const { gpio } = this.o;
    if (this.relay === undefined) {
      this.relay = await gpio.openOutput(this.o.relayLine, { initial: this.lockedLevel, activeLow: this.o.relayActiveLow ?? false });
    } else await this.relay.write(this.lockedLevel);
    this.logic.begin();
    this.update({ locked: true, unlockedUntil: null, alarm: null });
    const debounceMs = this.o.debounceMs ?? 20;
    const openLevel = this.o.contactOpenLevel ?? 1;
    const contact = await gpio.openInput(this.o.contactLine, { debounceMs });
    this.inputs.push({ input: contact, unwatch: contact.watch((level) => this.logic.contact(level === openLevel)) });
    this.logic.contact((await contact.read()) === openLevel);
    if (this.config.rex && this.o.exitLine !== undefined) {
      const pressed = this.o.exitPressedLevel ?? 0;
      const exit = await gpio.openInput(this.o.exitLine, { debounceMs });
      this.exitDown = (await exit.read()) === pressed;
      this.inputs.push({ input: exit, unwatch: exit.watch((level) => this.exitLevel(level === pressed)) });
    }
    this.poller.start();
  }

  async stop(): Promise<void> {
    await this.poller.stop();
    const inputs = this.inputs;
    this.inputs = [];
    for (const { input, unwatch } of inputs) {
      unwatch();
      await input.close().catch(() => undefined);
    }
    await this.logic.stop();
  }

  protected override async invoke(action: string, params: Readonly<Record<string, Value>>, by: By): Promise<Readonly<Record<string, Value>>> {
    switch (action) {
      case 'unlock': {
        const seconds = params.seconds;
        await this.logic.unlock(typeof seconds === 'number' ? seconds : this.config.defaultUnlockS, { by });
        break;
      }
      case 'lock':
        await this.logic.lock(by);
        break;
      default:
        throw new DeviceError('not-found', `${this.name}: no action "${action}"`);
    }
    return { locked: this.logic.locked, unlockedUntil: this.logic.secondsLeft };
  }

  private async drive(locked: boolean): Promise<void> {
    const relay = this.relay;
    if (relay === undefined) throw new Error(`${this.name}: the strike relay on GPIO${this.o.relayLine} is not open; start the device first`);
    await relay.write(locked ? this.lockedLevel : ((1 - this.lockedLevel) as Level));
  }

  private exitLevel(down: boolean): void {
    if (down && !this.exitDown) this.logic.exitPressed();
    this.exitDown = down;
  }

  /** The poll: contact re-read (missed edges), relay read back against what the logic set. */
  private async check(): Promise<void> {
    const contact = this.inputs[0]?.input;
    if (contact !== undefined) this.logic.contact((await contact.read()) === (this.o.contactOpenLevel ?? 1));
    const relay = this.relay;
    if (relay === undefined) return;
    await this.logic.verify(async (locked) => {
      const want = locked ? this.lockedLevel : 1 - this.lockedLevel;
      const got = await relay.read();
      if (got !== want) {
        throw new Error(`${this.name}: strike relay GPIO${this.o.relayLine} reads ${got}, expected ${want} (${locked ? 'locked' : 'unlocked'}); check that nothing else drives the line`);
      }
    });
  }
}
