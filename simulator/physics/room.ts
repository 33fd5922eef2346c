/**
 * A room (or a rack's cold aisle) as one thermal mass. Temperatures follow the heat load,
 * the walls' leak to outside, and every attached influence (a fan drawing outside air, an
 * HVAC unit heating or cooling toward its setpoint).
 *
 *   C · dT/dt = heatLoad + Σ influence.heatW(T) − UA · (T − T_outside)
 *
 * Integrated lazily in fixed steps up to `clock.now()` whenever a reading is taken, so the
 * result depends only on simulated time, never on how often anyone looks.
 */
import type { Clock } from '../../common/index.js';

export interface ThermalInfluence {
  /** A short name for diagnostics ("rack1-fan", "fcu-15"). */
  readonly name: string;
  /** Heat flow into the room in watts (negative cools), given the room and outside temperatures. */
  heatW(roomC: number, outsideC: number): number;
}

export interface RoomOptions {
  readonly clock: Clock;
  readonly initialC?: number;
  readonly outsideC?: number;
  /** Constant internal heat (servers, people, lights) in W. */
  readonly heatLoadW?: number;
  /** Heat capacity in J/K (air and contents); default 200 kJ/K ≈ a small server room. */
  readonly heatCapacityJPerK?: number;
  /** Envelope conductance in W/K; default 50. */
  readonly envelopeWPerK?: number;
  /** Relative humidity in % (held constant; enough for hygrometer readings). */
  readonly humidityPct?: number;
}

/** Integration step in simulated milliseconds. */
const STEP_MS = 1000;

export class Room {
  private readonly clock: Clock;
  private readonly influences: ThermalInfluence[] = [];
  private temperature: number;
  private lastUpdate: number;
  outsideC: number;
  heatLoadW: number;
  humidityPct: number;
  readonly heatCapacityJPerK: number;
  readonly envelopeWPerK: number;

  constructor(o: RoomOptions) {
    this.clock = o.clock;
    this.temperature = o.initialC ?? 24;
    this.outsideC = o.outsideC ?? 18;
    this.heatLoadW = o.heatLoadW ?? 1500;
    this.heatCapacityJPerK = o.heatCapacityJPerK ?? 200_000;
    this.envelopeWPerK = o.envelopeWPerK ?? 50;
    this.humidityPct = o.humidityPct ?? 45;
    this.lastUpdate = o.clock.now();
  }

  addInfluence(influence: ThermalInfluence): void {
    this.advance();
    this.influences.push(influence);
  }

  /** Current air temperature in °C. */
  get temperatureC(): number {
    this.advance();
    return this.temperature;
  }

  /** Sets the temperature at once (a test scenario: a door opened to a hot corridor). */
  set temperatureC(value: number) {
    this.advance();
    this.temperature = value;
  }

  /** Net heat flow into the room right now, in W. */
  netHeatW(): number {
    this.advance();
    return this.flow(this.temperature);
  }

  /** Call before changing an influence's inputs so the past is integrated with the old ones. */
  advance(): void {
    const now = this.clock.now();
    while (now - this.lastUpdate >= STEP_MS) {
      this.step(STEP_MS);
      this.lastUpdate += STEP_MS;
    }
    const rest = now - this.lastUpdate;
    if (rest > 0) {
      this.step(rest);
      this.lastUpdate = now;
    }
  }

  private step(ms: number): void {
    this.temperature += (this.flow(this.temperature) * (ms / 1000)) / this.heatCapacityJPerK;
  }

  private flow(t: number): number {
    let w = this.heatLoadW - this.envelopeWPerK * (t - this.outsideC);
    for (const i of this.influences) w += i.heatW(t, this.outsideC);
    return w;
  }
}
