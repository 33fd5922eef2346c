/**
 * What a fan-coil unit does at a given room temperature: a pure function of its settings.
 * Simple on purpose (a proportional thermostat, no lag), enough for a room to move toward
 * the setpoint and for every input register to mean something.
 *
 *  - demand 0..1 = (room − cooling setpoint) / band when cooling, (heating setpoint − room) /
 *    band when heating; auto picks cooling above the cooling setpoint, heating below the
 *    heating setpoint, idle between;
 *  - heat flow = ∓ capacity × fan factor × demand (dry: 40 % of cooling capacity, low fan;
 *    fan mode: no heat exchange);
 *  - the fan runs whenever the unit is on (at the chosen step; auto steps up with demand);
 *  - valve opening follows demand; the coil sits between room air and the water supply
 *    (7 °C chilled, 45 °C hot) by the valve opening.
 * A failed room sensor stops heating and cooling (the valve closes, the fan keeps running):
 * the thermostat cannot regulate blind. A failed fan stops all heat exchange.
 */
export type FanCoilMode = 'auto' | 'cool' | 'dry' | 'fan' | 'heat';
export const MODE_CODES: readonly FanCoilMode[] = ['auto', 'cool', 'dry', 'fan', 'heat'];

export interface FanCoilSettings {
  readonly on: boolean;
  readonly mode: FanCoilMode;
  /** 2 low, 3 medium, 4 high, 6 auto (register 28303 codes). */
  readonly fanCode: number;
  readonly coolingSetpointC: number;
  readonly heatingSetpointC: number;
  readonly capacityW: number;
  readonly roomSensorFailed: boolean;
  readonly fanFailed: boolean;
}

export interface FanCoilOperation {
  readonly activity: 'off' | 'idle' | 'cooling' | 'heating' | 'drying' | 'fan';
  /** Heat into the room, W (negative cools). */
  readonly heatW: number;
  readonly demand: number;
  /** 0 stopped, 2/3/4 running step. */
  readonly fanStep: number;
  readonly rpm: number;
  readonly valvePct: number;
  readonly coilC: number;
}

/** Proportional band of the thermostat, °C: full demand this far from the setpoint. */
export const PROPORTIONAL_BAND_C = 1;
const CHILLED_WATER_C = 7;
const HOT_WATER_C = 45;
const DRY_CAPACITY_FRACTION = 0.4;
const FAN_FACTOR: Readonly<Record<number, number>> = { 2: 0.5, 3: 0.75, 4: 1 };
export const FAN_RPM: Readonly<Record<number, number>> = { 2: 900, 3: 1400, 4: 2000 };

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

export function operate(s: FanCoilSettings, roomC: number): FanCoilOperation {
  if (!s.on) return { activity: 'off', heatW: 0, demand: 0, fanStep: 0, rpm: 0, valvePct: 0, coilC: roomC };
  const coolDemand = clamp01((roomC - s.coolingSetpointC) / PROPORTIONAL_BAND_C);
  const heatDemand = clamp01((s.heatingSetpointC - roomC) / PROPORTIONAL_BAND_C);
  let activity: FanCoilOperation['activity'];
  let demand: number;
  switch (s.mode) {
    case 'cool':
      [activity, demand] = ['cooling', coolDemand];
      break;
    case 'heat':
      [activity, demand] = ['heating', heatDemand];
      break;
    case 'dry':
      [activity, demand] = ['drying', coolDemand];
      break;
    case 'fan':
      [activity, demand] = ['fan', 0];
      break;
    case 'auto':
      if (coolDemand > 0) [activity, demand] = ['cooling', coolDemand];
      else if (heatDemand > 0) [activity, demand] = ['heating', heatDemand];
      else [activity, demand] = ['idle', 0];
      break;
  }
  if (s.roomSensorFailed) demand = 0;
  if (demand === 0 && activity !== 'fan') activity = 'idle';
  const fanStep = s.fanFailed ? 0 : s.mode === 'dry' ? 2 : s.fanCode !== 6 ? s.fanCode : s.mode === 'fan' ? 3 : demand < 1 / 3 ? 2 : demand < 2 / 3 ? 3 : 4;
  if (fanStep === 0) demand = 0;
  const cooling = activity === 'cooling' || activity === 'drying';
  const capacity = s.capacityW * (FAN_FACTOR[fanStep] ?? 0) * (activity === 'drying' ? DRY_CAPACITY_FRACTION : 1);
  const heatW = demand === 0 ? 0 : (cooling ? -1 : 1) * capacity * demand;
  const supplyC = cooling ? CHILLED_WATER_C : HOT_WATER_C;
  return {
    activity,
    heatW,
    demand,
    fanStep,
    rpm: FAN_RPM[fanStep] ?? 0,
    valvePct: Math.round(demand * 100),
    coilC: roomC + (supplyC - roomC) * demand,
  };
}
