/**
 * A fan-coil unit model behind a Modbus register map (maps/chiltrix-cxi.ts by default):
 * holding registers are its settings, input registers are computed from the room it sits in
 * (simulator/physics/room.ts), and it acts on that room as a `ThermalInfluence`
 * (fan-coil-physics.ts).
 *
 * Must hold:
 *  - a read touching any unmapped address → exception 02; a write to an unmapped or
 *    input-only address → 02; a value outside a register's allowed values or range → 03;
 *    a multi-register write is all or nothing, each value checked against the values
 *    written before it in the same request (so 28308..28311 can be set in one request);
 *  - narrowing setpoint_min/max drags the cooling/heating setpoints inside (they are clamped,
 *    as a thermostat's setpoint knob stops at its limits);
 *  - temperatures are signed °C×10; a failed sensor reads 32767 (the map's faultValue);
 *  - the room is integrated up to "now" with the old settings before a write changes them.
 */
import { ModbusExceptionCode, type ModbusRegisterBank, type ModbusRegisterKind } from '../../drivers/modbus/index.js';
import type { Room, ThermalInfluence } from '../physics/room.js';
import { MODE_CODES, operate, type FanCoilOperation, type FanCoilSettings } from './fan-coil-physics.js';
import { CHILTRIX_CXI } from './maps/chiltrix-cxi.js';
import { fromWord, refusal, RegisterTable, toWord, type UnitRegisterMap } from './register-map.js';

export type FanCoilSensor = 'room' | 'coil';

export interface FanCoilOptions {
  readonly room: Room;
  readonly map?: UnitRegisterMap;
  /** Heating/cooling capacity at high fan and full demand, W. Default 3000. */
  readonly capacityW?: number;
  /** Value of the unit-address register at power-up; default the map's default unit. */
  readonly unitAddress?: number;
  /** Name as a thermal influence; default "fcu-<unit>". */
  readonly name?: string;
  /** Power-up raw values by register name, overriding the map's. */
  readonly initial?: Readonly<Record<string, number>>;
}

export class FanCoilUnit implements ModbusRegisterBank, ThermalInfluence {
  readonly name: string;
  readonly table: RegisterTable;
  readonly capacityW: number;
  private readonly room: Room;
  private readonly holding = new Map<string, number>();
  private readonly failedSensors = new Set<FanCoilSensor>();
  private fanFailed = false;
  private readonly unitListeners = new Set<(unit: number) => void>();

  constructor(o: FanCoilOptions) {
    this.table = new RegisterTable(o.map ?? CHILTRIX_CXI);
    this.room = o.room;
    this.capacityW = o.capacityW ?? 3000;
    for (const r of this.table.ofKind('holding')) this.holding.set(r.name, o.initial?.[r.name] ?? r.initial ?? 0);
    this.holding.set('unit_address', o.unitAddress ?? o.initial?.unit_address ?? this.table.map.defaultUnit);
    this.name = o.name ?? `fcu-${this.unitAddress}`;
    o.room.addInfluence(this);
  }

  get unitAddress(): number {
    return this.raw('unit_address');
  }

  /** Raw value of a holding register by name (°C×10 for setpoints). */
  raw(name: string): number {
    const v = this.holding.get(name);
    if (v === undefined) throw new Error(`${this.table.map.unitType}: no holding register named "${name}"`);
    return v;
  }

  /** Calls `listener` when a write changes the unit address (the server then answers there). */
  onUnitAddressChange(listener: (unit: number) => void): () => void {
    this.unitListeners.add(listener);
    return () => this.unitListeners.delete(listener);
  }

  /** A sensor fails (reads 32767, fault flag set) or is repaired. */
  failSensor(sensor: FanCoilSensor, failed = true): void {
    this.room.advance();
    if (failed) this.failedSensors.add(sensor);
    else this.failedSensors.delete(sensor);
  }

  /** The fan motor fails (no airflow, no heat exchange, fault flag set) or is repaired. */
  failFan(failed = true): void {
    this.room.advance();
    this.fanFailed = failed;
  }

  /** What the unit is doing right now. */
  operation(): FanCoilOperation {
    return operate(this.settings(), this.room.temperatureC);
  }

  heatW(roomC: number): number {
    return operate(this.settings(), roomC).heatW;
  }

  read(kind: ModbusRegisterKind, address: number, count: number): number[] | ModbusExceptionCode {
    const defs = [];
    for (let a = address; a < address + count; a++) {
      const def = this.table.get(kind, a);
      if (def === undefined) return ModbusExceptionCode.IllegalDataAddress;
      defs.push(def);
    }
    const inputs = kind === 'input' ? this.inputValues() : undefined;
    return defs.map((d) => toWord(inputs === undefined ? this.raw(d.name) : (inputs.get(d.name) ?? 0)));
  }

  write(address: number, words: readonly number[]): ModbusExceptionCode | undefined {
    const defs = words.map((_, i) => this.table.get('holding', address + i));
    if (defs.some((d) => d === undefined)) return ModbusExceptionCode.IllegalDataAddress;
    const next = new Map(this.holding);
    for (const [i, def] of defs.entries()) {
      if (def === undefined) return ModbusExceptionCode.IllegalDataAddress;
      const raw = fromWord(def, words[i] ?? 0);
      if (refusal(def, raw, (n) => next.get(n) ?? 0) !== undefined) return ModbusExceptionCode.IllegalDataValue;
      next.set(def.name, raw);
    }
    clampSetpoints(next);
    this.room.advance();
    const oldUnit = this.unitAddress;
    for (const [k, v] of next) this.holding.set(k, v);
    if (this.unitAddress !== oldUnit) for (const l of this.unitListeners) l(this.unitAddress);
    return undefined;
  }

  private settings(): FanCoilSettings {
    return {
      on: this.raw('power') === 1,
      mode: MODE_CODES[this.raw('mode')] ?? 'auto',
      fanCode: this.raw('fan_speed'),
      coolingSetpointC: this.raw('setpoint_cooling') / 10,
      heatingSetpointC: this.raw('setpoint_heating') / 10,
      capacityW: this.capacityW,
      roomSensorFailed: this.failedSensors.has('room'),
      fanFailed: this.fanFailed,
    };
  }

  private inputValues(): Map<string, number> {
    const roomC = this.room.temperatureC;
    const op = operate(this.settings(), roomC);
    const temp = (sensor: FanCoilSensor, c: number): number =>
      this.failedSensors.has(sensor) ? (this.table.named(`${sensor}_temperature`).faultValue ?? 32767) : Math.round(c * 10);
    return new Map([
      ['room_temperature', temp('room', roomC)],
      ['coil_temperature', temp('coil', op.coilC)],
      ['fan_speed_actual', op.fanStep],
      ['fan_rpm', op.rpm],
      ['valve_opening', op.valvePct],
      ['fault_flags_1', (this.failedSensors.has('room') ? 1 : 0) | (this.failedSensors.has('coil') ? 2 : 0)],
      ['fault_flags_2', this.fanFailed ? 1 : 0],
      ['fault_flags_3', 0],
    ]);
  }
}

function clampSetpoints(h: Map<string, number>): void {
  const min = h.get('setpoint_min') ?? 0;
  const max = h.get('setpoint_max') ?? 0;
  for (const name of ['setpoint_cooling', 'setpoint_heating']) {
    const v = h.get(name);
    if (v !== undefined) h.set(name, Math.min(max, Math.max(min, v)));
  }
}
