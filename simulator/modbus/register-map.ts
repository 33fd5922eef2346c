/**
 * A unit type's register map as data (one file per unit type under maps/), and the lookups
 * and checks a server needs: which registers exist, how a raw word maps to an engineering
 * value, which raw values a write may carry.
 *
 * Raw values are kept as the signed or unsigned integer the register means (°C×10 as −55 for
 * −5.5 °C); `toWord`/`fromWord` convert to and from the 16-bit word on the wire.
 */
import type { ModbusRegisterKind } from '../../drivers/modbus/index.js';
import type { SerialSettings } from '../../drivers/serial/index.js';

export interface RegisterDef {
  /** PDU address (0-based, as on the wire). */
  readonly address: number;
  /** Stable name the unit model uses, e.g. "setpoint_cooling". */
  readonly name: string;
  readonly kind: ModbusRegisterKind;
  readonly description: string;
  /** Engineering value = raw × scale (0.1 for °C×10). */
  readonly scale: number;
  /** Two's complement 16-bit (temperatures). */
  readonly signed: boolean;
  /** Engineering unit: "°C", "%", "rpm", or "" for codes and flags. */
  readonly unit: string;
  /** Raw values a write may carry (a code list). */
  readonly allowed?: readonly number[];
  /** Raw inclusive range a write may carry. */
  readonly range?: { readonly min: number; readonly max: number };
  /** Names of holding registers whose current raw values bound this one (setpoint within min..max). */
  readonly rangeFrom?: { readonly min?: string; readonly max?: string };
  /** Raw value reported when the sensor behind this input has failed (32767 on the CXI). */
  readonly faultValue?: number;
  /** Power-up raw value of a holding register. */
  readonly initial?: number;
  /** Names of code values, for logs and `pia-sim` output. */
  readonly labels?: Readonly<Record<number, string>>;
}

export interface UnitRegisterMap {
  /** e.g. "Chiltrix CXI fan coil". */
  readonly unitType: string;
  /** Where the map comes from. */
  readonly source: string;
  readonly defaultUnit: number;
  readonly serial: SerialSettings;
  readonly registers: readonly RegisterDef[];
}

/** Indexed view of a map. */
export class RegisterTable {
  private readonly byKey = new Map<string, RegisterDef>();
  private readonly byName = new Map<string, RegisterDef>();

  constructor(readonly map: UnitRegisterMap) {
    for (const r of map.registers) {
      const key = `${r.kind}:${r.address}`;
      if (this.byKey.has(key)) throw new Error(`${map.unitType} register map: ${r.kind} ${r.address} listed twice; keep one entry`);
      if (this.byName.has(r.name)) throw new Error(`${map.unitType} register map: name "${r.name}" used twice; names must be unique`);
      this.byKey.set(key, r);
      this.byName.set(r.name, r);
    }
  }

  get(kind: ModbusRegisterKind, address: number): RegisterDef | undefined {
    return this.byKey.get(`${kind}:${address}`);
  }

  /** The register the unit model knows by `name`; throws when the map lacks it (a map bug). */
  named(name: string): RegisterDef {
    const r = this.byName.get(name);
    if (r === undefined) throw new Error(`${this.map.unitType} register map has no register named "${name}"; add it to the map file`);
    return r;
  }

  ofKind(kind: ModbusRegisterKind): RegisterDef[] {
    return this.map.registers.filter((r) => r.kind === kind).sort((a, b) => a.address - b.address);
  }
}

/** The 16-bit word for a raw value. */
export function toWord(raw: number): number {
  return raw & 0xffff;
}

/** The raw value a word means for this register (sign-extended when signed). */
export function fromWord(def: RegisterDef, word: number): number {
  return def.signed && word >= 0x8000 ? word - 0x10000 : word;
}

/** Engineering value of a raw value. */
export function engineering(def: RegisterDef, raw: number): number {
  return Math.round(raw * def.scale * 1000) / 1000;
}

/**
 * Why `raw` may not be written to `def`, or undefined when it may. `current` gives the raw
 * value of another holding register by name (for `rangeFrom`).
 */
export function refusal(def: RegisterDef, raw: number, current: (name: string) => number): string | undefined {
  if (def.allowed !== undefined && !def.allowed.includes(raw)) return `${def.name}: ${raw} is not one of ${def.allowed.join(', ')}`;
  if (def.range !== undefined && (raw < def.range.min || raw > def.range.max)) return `${def.name}: ${raw} is outside ${def.range.min}..${def.range.max}`;
  const lo = def.rangeFrom?.min;
  if (lo !== undefined && raw < current(lo)) return `${def.name}: ${raw} is below ${lo} (${current(lo)})`;
  const hi = def.rangeFrom?.max;
  if (hi !== undefined && raw > current(hi)) return `${def.name}: ${raw} is above ${hi} (${current(hi)})`;
  return undefined;
}

/** A one-line summary per register, for `pia-sim`'s start banner. */
export function describeMap(map: UnitRegisterMap): string[] {
  return [...map.registers]
    .sort((a, b) => (a.kind === b.kind ? a.address - b.address : a.kind === 'holding' ? -1 : 1))
    .map((r) => {
      const scale = r.scale === 1 ? '' : ` ×${1 / r.scale}`;
      const values = r.labels !== undefined ? ` ${Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).join(' ')}` : '';
      return `${r.kind.padEnd(7)} ${r.address} ${r.name}${r.unit === '' ? '' : ` (${r.unit}${scale})`}${values}`;
    });
}
