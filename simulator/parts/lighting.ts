/**
 * A lighting circuit: a relay on a GPIO output switches the mains; an optional PWM channel
 * drives the LED driver's dimming input (docs/hardware.md#lighting). A small heat source on a
 * Room while lit.
 *
 * What must hold:
 *  - the relay is energized while the line is driven at `relayActiveLevel` (default 1); a
 *    line nobody drives leaves it off. Lights are on exactly while the relay is energized.
 *  - dimming: the level is the PWM high fraction (polarity applied). A dimming input nobody
 *    drives (channel not exported or disabled) is pulled up inside the driver: full
 *    brightness. Without a PWM channel the level is 1 while on.
 *  - heat: all electric power ends up as heat in the room: heatW = ratedW · level while on.
 *    Before each change the room is advanced, so the past is integrated with the old power.
 */
import type { Level } from '../../drivers/gpio/index.js';
import type { LineDrive, VirtualGpioController } from '../gpio/index.js';
import type { Room, ThermalInfluence } from '../physics/room.js';
import type { VirtualPwmController } from '../pwm/index.js';

export interface LightingOptions {
  readonly gpio: VirtualGpioController;
  readonly relayLine: number;
  /** Line level that energizes the relay; default 1. */
  readonly relayActiveLevel?: Level;
  readonly dimmer?: { readonly pwm: VirtualPwmController; readonly chip?: number; readonly channel: number };
  /** Electric power at full brightness; default 60 W. */
  readonly ratedW?: number;
  readonly room?: Room;
  readonly name?: string;
}

export interface LightingState {
  readonly on: boolean;
  /** Brightness 0..1 (0 when off). */
  readonly level: number;
}

export class VirtualLighting implements ThermalInfluence {
  readonly name: string;
  readonly ratedW: number;
  private readonly o: LightingOptions;
  private readonly activeLevel: Level;
  private energized: boolean;
  private readonly listeners = new Set<(state: LightingState) => void>();
  private readonly unsubscribes: (() => void)[] = [];
  private last: LightingState;

  constructor(options: LightingOptions) {
    this.o = options;
    this.name = options.name ?? 'lighting';
    this.ratedW = options.ratedW ?? 60;
    this.activeLevel = options.relayActiveLevel ?? 1;
    this.energized = options.gpio.outputDrive(options.relayLine) === this.activeLevel;
    this.unsubscribes.push(options.gpio.onOutput(options.relayLine, (drive: LineDrive) => this.update(() => (this.energized = drive === this.activeLevel))));
    const d = options.dimmer;
    if (d !== undefined) this.unsubscribes.push(d.pwm.onChange(d.chip ?? 0, d.channel, () => this.update(() => undefined)));
    this.last = this.state;
    options.room?.addInfluence(this);
  }

  get on(): boolean {
    return this.energized;
  }

  /** Brightness 0..1; 0 when off. */
  get level(): number {
    if (!this.energized) return 0;
    const d = this.o.dimmer;
    if (d === undefined) return 1;
    return d.pwm.outputFraction(d.chip ?? 0, d.channel) ?? 1;
  }

  get state(): LightingState {
    return { on: this.on, level: this.level };
  }

  /** Follows changes of on/level; returns an unsubscribe. */
  onChange(listener: (state: LightingState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  heatW(): number {
    return this.ratedW * this.level;
  }

  close(): void {
    for (const u of this.unsubscribes) u();
  }

  private update(mutate: () => void): void {
    this.o.room?.advance();
    mutate();
    const next = this.state;
    if (next.on === this.last.on && next.level === this.last.level) return;
    this.last = next;
    for (const l of [...this.listeners]) l(next);
  }
}
