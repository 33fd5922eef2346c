/**
 * A door with an electric lock on a relay, a reed door-position contact, a request-to-exit
 * (REX) button, and a simulated person (docs/hardware.md#door-lock).
 *
 * Wiring (what the gateway sees on its lines):
 *  - lock relay: a GPIO output; the relay is energized while the line is driven at
 *    `relayActiveLevel` (1 for a transistor driver; 0 for the common active-low relay
 *    boards). A line nobody drives (not exported, or closed) leaves the relay de-energized.
 *    'fail-secure' electric strike: energized = unlocked, locked without power.
 *    'fail-safe' maglock: energized = locked, unlocked without power (life-safety egress).
 *  - door-position contact: a reed switch between the GPIO and ground, with a pull-up.
 *    Door closed → magnet near → contact closed → line LOW (0). Door open → contact open →
 *    pulled HIGH (1). A cut wire therefore reads "open", the alarming state, never "closed".
 *  - REX button: normally open to ground with a pull-up: pressed → 0, released → 1.
 *  - both contacts bounce for a few ms on every change (`bounce` option), so an input
 *    without debounce sees several edges.
 * The person: `openDoor()` opens only while unlocked (a locked door does not move:
 * returns false); `forceOpen()` opens it regardless (a forced door: the contact opens while
 * locked with no REX press); `closeDoor()`; `pressExit(holdMs)` presses REX then lets go.
 * Faults: `unplugContact()` cuts the contact wire (reads open whatever the door does).
 */
import type { Clock, TimerHandle } from '../../common/index.js';
import type { Level } from '../../drivers/gpio/index.js';
import type { BounceOptions, LineDrive, VirtualGpioController } from '../gpio/index.js';

export type LockType = 'fail-secure' | 'fail-safe';

export interface DoorOptions {
  readonly clock: Clock;
  readonly gpio: VirtualGpioController;
  readonly relayLine: number;
  readonly contactLine: number;
  readonly exitLine?: number;
  readonly lockType: LockType;
  /** Line level that energizes the relay; default 1. */
  readonly relayActiveLevel?: Level;
  /** Contact bounce on each change; default 3 returns within 2 ms. */
  readonly bounce?: BounceOptions;
  readonly initiallyOpen?: boolean;
  readonly name?: string;
}

export interface DoorEvent {
  readonly at: number;
  readonly kind: 'opened' | 'forced-open' | 'closed' | 'open-refused' | 'exit-pressed' | 'exit-released' | 'locked' | 'unlocked';
}

/** Door contact level: closed pulls the line to ground. */
export const CONTACT_CLOSED: Level = 0;
export const CONTACT_OPEN: Level = 1;

export class VirtualDoor {
  readonly name: string;
  readonly lockType: LockType;
  /** What happened, in order (for tests and `pia-sim` output). */
  readonly events: DoorEvent[] = [];
  private readonly o: DoorOptions;
  private readonly activeLevel: Level;
  private open: boolean;
  private energizedNow: boolean;
  private wasForced = false;
  private contactCut = false;
  private exitTimer: TimerHandle | undefined;
  private readonly unsubscribe: () => void;

  constructor(options: DoorOptions) {
    this.o = options;
    this.name = options.name ?? 'door';
    this.lockType = options.lockType;
    this.activeLevel = options.relayActiveLevel ?? 1;
    this.open = options.initiallyOpen ?? false;
    const { gpio } = options;
    gpio.setPull(options.contactLine, 'up');
    this.setContact(false);
    if (options.exitLine !== undefined) {
      gpio.setPull(options.exitLine, 'up');
      gpio.release(options.exitLine);
    }
    this.energizedNow = gpio.outputDrive(options.relayLine) === this.activeLevel;
    this.unsubscribe = gpio.onOutput(options.relayLine, (drive) => this.relayChanged(drive));
  }

  get energized(): boolean {
    return this.energizedNow;
  }

  /** The bolt or magnet holds the door. */
  get locked(): boolean {
    return this.lockType === 'fail-secure' ? !this.energizedNow : this.energizedNow;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** The door is open and was forced (opened while locked); cleared when it closes. */
  get forced(): boolean {
    return this.wasForced;
  }

  /** A person pulls the door: it opens only if unlocked. */
  openDoor(): boolean {
    if (this.open) return true;
    if (this.locked) {
      this.log('open-refused');
      return false;
    }
    this.moveTo(true, false);
    return true;
  }

  /** The door is forced open (pried, or a maglock overpowered): opens whatever the lock says. */
  forceOpen(): void {
    if (this.open) return;
    this.moveTo(true, this.locked);
  }

  closeDoor(): void {
    if (!this.open) return;
    this.moveTo(false, false);
  }

  /** Presses the request-to-exit button for `holdMs`, then releases it (both with bounce). */
  pressExit(holdMs = 300): void {
    const line = this.o.exitLine;
    if (line === undefined) throw new Error(`door "${this.name}" has no exit button: give exitLine in its options`);
    if (this.exitTimer !== undefined) this.o.clock.clearTimeout(this.exitTimer);
    this.o.gpio.bounce(line, 0, this.o.bounce);
    this.log('exit-pressed');
    this.exitTimer = this.o.clock.setTimeout(() => {
      this.exitTimer = undefined;
      this.o.gpio.bounce(line, 'z', this.o.bounce);
      this.log('exit-released');
    }, holdMs);
  }

  /** Fault: the contact wire is cut; the line floats to its pull-up and reads open. */
  unplugContact(): void {
    this.contactCut = true;
    this.o.gpio.release(this.o.contactLine);
  }

  replugContact(): void {
    this.contactCut = false;
    this.setContact(false);
  }

  close(): void {
    this.unsubscribe();
    if (this.exitTimer !== undefined) this.o.clock.clearTimeout(this.exitTimer);
  }

  private moveTo(open: boolean, forced: boolean): void {
    this.open = open;
    this.wasForced = open && forced;
    this.log(!open ? 'closed' : forced ? 'forced-open' : 'opened');
    this.setContact(true);
  }

  private setContact(withBounce: boolean): void {
    if (this.contactCut) return;
    const drive: LineDrive = this.open ? 'z' : CONTACT_CLOSED;
    if (withBounce) this.o.gpio.bounce(this.o.contactLine, drive, this.o.bounce);
    else if (drive === 'z') this.o.gpio.release(this.o.contactLine);
    else this.o.gpio.drive(this.o.contactLine, drive);
  }

  private relayChanged(drive: LineDrive): void {
    const wasLocked = this.locked;
    this.energizedNow = drive === this.activeLevel;
    if (this.locked !== wasLocked) this.log(this.locked ? 'locked' : 'unlocked');
  }

  private log(kind: DoorEvent['kind']): void {
    this.events.push({ at: this.o.clock.now(), kind });
  }
}
