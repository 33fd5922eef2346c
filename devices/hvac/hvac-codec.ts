/**
 * Between register words and property values, for any unit map (unit-map.ts): the device's
 * description, the decoding of one poll's words, and the checks and encoding of a write.
 *
 * Must hold:
 * - a sensor reporting its `failedValue` decodes to null (never 3276.7 °C), and so does a code
 *   the map does not list;
 * - a write is refused (a reason naming the property, the value and the bounds) when it is
 *   not one of the register's values, is outside its static min/max, or outside the live
 *   limits of the registers named by `minFrom`/`maxFrom`; nothing is encoded then.
 */
import { unitSymbol } from '../../common/index.js';
import type { PropertySpec, Value } from '../model/types.js';
import { engineeringOf, rawFor, rawOf, rolesOf, type HvacRegister, type HvacRole, type HvacUnitMap } from './unit-map.js';

/** Word by "table:address", as read in one poll. */
export type WordTable = ReadonlyMap<string, number>;

export const wordKey = (table: string, address: number): string => `${table}:${address}`;

export interface DecodedPoll {
  readonly values: Record<string, Value>;
  /** Roles whose sensor reported its failed value. */
  readonly failedSensors: HvacRole[];
  readonly faultCode: number;
  readonly faultText: string | null;
}

/** Properties the map gives, plus faultCode and faultText. */
export function hvacProperties(map: HvacUnitMap, writeIntervalS: number): PropertySpec[] {
  const props: PropertySpec[] = rolesOf(map).map((role) => {
    const r = map.registers[role] as HvacRegister;
    const base = { name: role, writable: r.writable, observable: true, rt: `pia.hvac.${role}` };
    if (role === 'power') return { ...base, type: 'boolean', description: `${r.description} (true = on)` };
    const labels = r.values === undefined ? undefined : Object.values(r.values);
    if (labels !== undefined) return { ...base, type: 'string', values: labels, description: r.description };
    const limits = r.minFrom !== undefined || r.maxFrom !== undefined ? ` within the unit's limits (${[r.minFrom, r.maxFrom].filter(Boolean).join('..')})` : '';
    const rate = r.writable ? `; at most one write per ${writeIntervalS} s` : '';
    const failed = r.failedValue !== undefined ? '; null while the sensor reports a failure' : '';
    return {
      ...base,
      type: 'number',
      ...(r.unit === '' ? {} : { unit: r.unit }),
      ...(r.min === undefined ? {} : { min: r.min }),
      ...(r.max === undefined ? {} : { max: r.max }),
      description: `${r.description}${limits}${rate}${failed}`,
    };
  });
  props.push(
    { name: 'faultCode', type: 'number', min: 0, writable: false, observable: true, rt: 'pia.hvac.faultCode', description: 'code of the first active fault, 0 when none' },
    { name: 'faultText', type: 'string', writable: false, observable: true, rt: 'pia.hvac.faultText', description: 'every active fault in words, null when none' },
  );
  return props;
}

export function decodePoll(map: HvacUnitMap, words: WordTable): DecodedPoll {
  const values: Record<string, Value> = {};
  const failedSensors: HvacRole[] = [];
  for (const role of rolesOf(map)) {
    const r = map.registers[role] as HvacRegister;
    const word = words.get(wordKey(r.table, r.address));
    if (word === undefined) {
      values[role] = null;
      continue;
    }
    const raw = rawOf(r, word);
    if (r.failedValue !== undefined && raw === r.failedValue) {
      failedSensors.push(role);
      values[role] = null;
    } else values[role] = decodeRaw(role, r, raw);
  }
  const faults: { code: number; text: string }[] = [];
  map.faults.forEach((f, index) => {
    const word = words.get(wordKey(f.table, f.address)) ?? 0;
    for (let bit = 0; bit < 16; bit++) {
      if ((word & (1 << bit)) === 0) continue;
      faults.push(f.bits[bit] ?? { code: index * 16 + bit + 1, text: `fault flag bit ${bit} of ${f.table} register ${f.address}` });
    }
  });
  return {
    values,
    failedSensors,
    faultCode: faults[0]?.code ?? 0,
    faultText: faults.length === 0 ? null : faults.map((f) => f.text).join('; '),
  };
}

function decodeRaw(role: HvacRole, r: HvacRegister, raw: number): Value {
  if (role === 'power') return raw !== 0;
  if (r.values !== undefined) return r.values[raw] ?? null;
  return engineeringOf(r, raw);
}

/**
 * The raw value to write for `value` (already type-checked against the property spec), or a
 * refusal. `live` gives the current value of a role (the limits), null when unknown.
 */
export function encodeWrite(
  role: HvacRole,
  r: HvacRegister,
  value: Value,
  live: (role: HvacRole) => Value,
): { readonly raw: number; readonly value: Value } | { readonly refusal: string } {
  if (role === 'power') return { raw: value === true ? 1 : 0, value: value === true };
  if (r.values !== undefined) {
    const entry = Object.entries(r.values).find(([, meaning]) => meaning === value);
    return entry === undefined ? { refusal: `${JSON.stringify(value)} is not one of ${Object.values(r.values).join(', ')}` } : { raw: Number(entry[0]), value };
  }
  if (typeof value !== 'number') return { refusal: `${JSON.stringify(value)} is not a number` };
  const unit = r.unit === '' ? '' : ` ${unitSymbol(r.unit)}`;
  let lo = r.min ?? Number.NEGATIVE_INFINITY;
  let hi = r.max ?? Number.POSITIVE_INFINITY;
  for (const [ref, side] of [[r.minFrom, 'min'], [r.maxFrom, 'max']] as const) {
    if (ref === undefined) continue;
    const limit = live(ref);
    if (typeof limit !== 'number') return { refusal: `the unit's ${ref} is not known yet (no successful poll); retry once the unit answers` };
    if (side === 'min') lo = Math.max(lo, limit);
    else hi = Math.min(hi, limit);
  }
  if (value < lo || value > hi) return { refusal: `${value}${unit} is outside the unit's limits ${lo}–${hi}${unit}` };
  const raw = rawFor(r, value);
  if (raw === undefined) return { refusal: `${value}${unit} does not fit the register` };
  return { raw, value: engineeringOf(r, raw) };
}
