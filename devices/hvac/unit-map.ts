/**
 * An HVAC unit's Modbus register map as data: which register holds each quantity the HVAC
 * device knows (its role), how to read it and what a write may carry. Another unit type is a
 * new file under maps/ (docs/hardware.md#modbus-fan-coil).
 *
 * Must hold (checked by `checkUnitMap` when a device is created):
 * - addresses are PDU addresses (0-based, as on the wire); holding registers are read with
 *   function 03 and written with 06, input registers read with 04;
 * - engineering value = raw × scale, raw being the 16-bit word sign-extended when `signed`;
 * - a writable register's writes are bounded: by `values` (a code list) or by `min`/`max`
 *   (engineering units) and the live values of the registers named in `minFrom`/`maxFrom`;
 * - `failedValue` is the raw value the unit reports for a failed sensor (32767 on the CXI):
 *   the device shows null for it, never a temperature of 3276.7 °C.
 */
import type { SerialSettings } from '../../drivers/serial/index.js';

export type RegisterTable = 'holding' | 'input';

export interface HvacRegister {
  /** PDU address. */
  readonly address: number;
  /** 'holding' (read 03, write 06) or 'input' (read 04). */
  readonly table: RegisterTable;
  /** Engineering value = raw × scale (0.1 for °C×10). */
  readonly scale: number;
  /** Two's complement 16-bit. */
  readonly signed: boolean;
  /** UCUM unit of the engineering value ("Cel", "%", "/min"); "" for codes. */
  readonly unit: string;
  /** The gateway may write it. */
  readonly writable: boolean;
  /** Raw code → meaning; a register with `values` is shown as its meaning (an enum). */
  readonly values?: Readonly<Record<number, string>>;
  /** Inclusive engineering bounds for a write. */
  readonly min?: number;
  readonly max?: number;
  /** Roles whose live values also bound a write (a setpoint within the unit's limits). */
  readonly minFrom?: HvacRole;
  readonly maxFrom?: HvacRole;
  /** Raw value reported by a failed sensor. */
  readonly failedValue?: number;
  readonly description: string;
}

/** The quantities the HVAC device knows; the property names are these roles. */
export interface HvacRegisters {
  /** on/off, values {0: "off", 1: "on"}: shown as a boolean. */
  readonly power: HvacRegister;
  readonly mode: HvacRegister;
  readonly fanSpeed: HvacRegister;
  readonly coolingSetpoint: HvacRegister;
  readonly heatingSetpoint: HvacRegister;
  /** The unit's own setpoint limits (installer settings). */
  readonly setpointMin: HvacRegister;
  readonly setpointMax: HvacRegister;
  readonly roomTemperature: HvacRegister;
  readonly coilTemperature: HvacRegister;
  readonly fanSpeedActual?: HvacRegister;
  readonly fanRpm?: HvacRegister;
  readonly valveOpening?: HvacRegister;
}

export type HvacRole = keyof HvacRegisters;

/** One fault-flag register: each set bit is a fault with a code and a text. */
export interface HvacFaultRegister {
  readonly address: number;
  readonly table: RegisterTable;
  readonly bits: Readonly<Record<number, { readonly code: number; readonly text: string }>>;
}

export interface HvacUnitMap {
  /** e.g. "Chiltrix CXI fan coil". */
  readonly unitType: string;
  /** Where the map comes from. */
  readonly source: string;
  readonly defaultUnit: number;
  readonly serial: SerialSettings;
  readonly registers: HvacRegisters;
  /** In priority order: the first set bit gives `faultCode`. */
  readonly faults: readonly HvacFaultRegister[];
}

/** The roles a map has, in a stable order. */
export function rolesOf(map: HvacUnitMap): HvacRole[] {
  return (Object.keys(map.registers) as HvacRole[]).filter((r) => map.registers[r] !== undefined);
}

/** The raw value a 16-bit word means for `reg`. */
export function rawOf(reg: HvacRegister, word: number): number {
  return reg.signed && word >= 0x8000 ? word - 0x10000 : word;
}

/** Engineering value of a raw value (rounded to the scale's decimals). */
export function engineeringOf(reg: HvacRegister, raw: number): number {
  return Math.round(raw * reg.scale * 1000) / 1000;
}

/** The raw value for an engineering value, or undefined when it does not fit 16 bits. */
export function rawFor(reg: HvacRegister, value: number): number | undefined {
  const raw = Math.round(value / reg.scale);
  const fits = reg.signed ? raw >= -0x8000 && raw <= 0x7fff : raw >= 0 && raw <= 0xffff;
  return fits ? raw : undefined;
}

/** Contiguous runs of mapped addresses per table: what one read request may cover (an unmapped address is exception 02). */
export function readBlocks(map: HvacUnitMap, maxCount = 125): { table: RegisterTable; address: number; count: number }[] {
  const byTable = new Map<RegisterTable, Set<number>>([['holding', new Set()], ['input', new Set()]]);
  for (const role of rolesOf(map)) {
    const r = map.registers[role];
    if (r !== undefined) byTable.get(r.table)?.add(r.address);
  }
  for (const f of map.faults) byTable.get(f.table)?.add(f.address);
  const blocks: { table: RegisterTable; address: number; count: number }[] = [];
  for (const [table, set] of byTable) {
    const sorted = [...set].sort((a, b) => a - b);
    for (const a of sorted) {
      const last = blocks.at(-1);
      if (last !== undefined && last.table === table && last.address + last.count === a && last.count < maxCount) last.count++;
      else blocks.push({ table, address: a, count: 1 });
    }
  }
  return blocks;
}

/** Throws naming the map, the role and the fix when a map is not usable. */
export function checkUnitMap(map: HvacUnitMap): void {
  const where = `${map.unitType} register map`;
  const seen = new Map<string, string>();
  const claim = (table: RegisterTable, address: number, what: string): void => {
    if (!(Number.isInteger(address) && address >= 0 && address <= 0xffff)) throw new Error(`${where}: ${what} address ${address} is not a PDU address 0–65535`);
    const key = `${table}:${address}`;
    const other = seen.get(key);
    if (other !== undefined) throw new Error(`${where}: ${what} and ${other} share ${table} register ${address}; give each its own`);
    seen.set(key, what);
  };
  for (const role of rolesOf(map)) {
    const r = map.registers[role];
    if (r === undefined) continue;
    claim(r.table, r.address, role);
    if (r.writable && r.table !== 'holding') throw new Error(`${where}: ${role} is writable but an input register; only holding registers can be written`);
    if (!(r.scale > 0)) throw new Error(`${where}: ${role} scale ${r.scale} must be > 0`);
    if (r.writable && r.values === undefined && (r.min === undefined || r.max === undefined)) {
      throw new Error(`${where}: writable ${role} needs values or min and max, so writes are bounded`);
    }
    for (const ref of [r.minFrom, r.maxFrom]) {
      if (ref !== undefined && map.registers[ref] === undefined) throw new Error(`${where}: ${role} is bounded by ${ref}, which the map lacks`);
    }
  }
  for (const f of map.faults) claim(f.table, f.address, `fault register ${f.address}`);
  const power = map.registers.power.values;
  if (power?.[0] === undefined || power[1] === undefined) throw new Error(`${where}: power needs values for 0 (off) and 1 (on)`);
}
