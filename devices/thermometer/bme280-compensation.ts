/**
 * Bosch BME280 compensation (BST-BME280-DS002 §4.2.3): the datasheet's 32-bit integer
 * functions BME280_compensate_T_int32, BME280_compensate_P_int32 and
 * bme280_compensate_H_int32, with C's 32-bit wrap-around reproduced by Math.imul, `| 0` and
 * `>>> 0`. The gateway's own copy (devices must not depend on simulator/); the tests check it
 * against the datasheet example and against the simulator's encoder.
 *
 * Trimming layout (§4.2.2, Table 16): 0x88..0x9F dig_T1..dig_P9 (little-endian; T1, P1
 * unsigned), 0xA1 dig_H1 (u8); 0xE1..0xE2 dig_H2 (s16), 0xE3 dig_H3 (u8),
 * dig_H4 = 0xE4 << 4 | 0xE5[3:0] (s12), dig_H5 = 0xE6 << 4 | 0xE5[7:4] (s12), 0xE7 dig_H6 (s8).
 */

export interface Trimming {
  readonly T1: number;
  readonly T2: number;
  readonly T3: number;
  readonly P1: number;
  readonly P2: number;
  readonly P3: number;
  readonly P4: number;
  readonly P5: number;
  readonly P6: number;
  readonly P7: number;
  readonly P8: number;
  readonly P9: number;
  readonly H1: number;
  readonly H2: number;
  readonly H3: number;
  readonly H4: number;
  readonly H5: number;
  readonly H6: number;
}

/** Parses the 26 bytes read from 0x88 and the 7 bytes read from 0xE1. */
export function parseTrimming(from88: Buffer, fromE1: Buffer): Trimming {
  if (from88.length < 26 || fromE1.length < 7) throw new RangeError(`BME280 trimming: need 26 + 7 bytes, got ${from88.length} + ${fromE1.length}`);
  const s16 = (i: number): number => from88.readInt16LE(i);
  const e = (i: number): number => fromE1[i] ?? 0;
  const s12 = (v: number): number => (v & 0x800 ? v - 0x1000 : v);
  return {
    T1: from88.readUInt16LE(0),
    T2: s16(2),
    T3: s16(4),
    P1: from88.readUInt16LE(6),
    P2: s16(8),
    P3: s16(10),
    P4: s16(12),
    P5: s16(14),
    P6: s16(16),
    P7: s16(18),
    P8: s16(20),
    P9: s16(22),
    H1: from88[25] ?? 0,
    H2: fromE1.readInt16LE(0),
    H3: e(2),
    H4: s12((e(3) << 4) | (e(4) & 0x0f)),
    H5: s12((e(5) << 4) | (e(4) >> 4)),
    H6: fromE1.readInt8(6),
  };
}

/** Temperature in 0.01 °C and t_fine (carries temperature into P and H). */
export function compensateT(adcT: number, t: Trimming): { centiC: number; tFine: number } {
  const var1 = Math.imul((adcT >> 3) - (t.T1 << 1), t.T2) >> 11;
  const dx = (adcT >> 4) - t.T1;
  const var2 = Math.imul(Math.imul(dx, dx) >> 12, t.T3) >> 14;
  const tFine = (var1 + var2) | 0;
  return { centiC: (Math.imul(tFine, 5) + 128) >> 8, tFine };
}

/** Pressure in Pa (u32); 0 when var1 is 0 (the datasheet's guard against division by zero). */
export function compensateP(adcP: number, tFine: number, t: Trimming): number {
  let var1 = (tFine >> 1) - 64000;
  let var2 = Math.imul(Math.imul(var1 >> 2, var1 >> 2) >> 11, t.P6);
  var2 = (var2 + (Math.imul(var1, t.P5) << 1)) | 0;
  var2 = ((var2 >> 2) + (t.P4 << 16)) | 0;
  var1 = ((Math.imul(t.P3, Math.imul(var1 >> 2, var1 >> 2) >> 13) >> 3) + (Math.imul(t.P2, var1) >> 1)) >> 18;
  var1 = Math.imul(32768 + var1, t.P1) >> 15;
  if (var1 === 0) return 0;
  const divisor = var1 >>> 0;
  let p = Math.imul((1048576 - adcP - (var2 >> 12)) >>> 0, 3125) >>> 0;
  p = p < 0x80000000 ? Math.floor(((p << 1) >>> 0) / divisor) : (Math.floor(p / divisor) * 2) >>> 0;
  var1 = Math.imul(t.P9, Math.imul(p >>> 3, p >>> 3) >>> 13) >> 12;
  var2 = Math.imul(p >>> 2, t.P8) >> 13;
  return ((p | 0) + ((var1 + var2 + t.P7) >> 4)) >>> 0;
}

/** Relative humidity in %RH (from the datasheet's Q22.10 result). */
export function compensateH(adcH: number, tFine: number, t: Trimming): number {
  let v = (tFine - 76800) | 0;
  const left = ((adcH << 14) - (t.H4 << 20) - Math.imul(t.H5, v) + 16384) >> 15;
  const inner = Math.imul(Math.imul(v, t.H6) >> 10, (Math.imul(v, t.H3) >> 11) + 32768) >> 10;
  const right = (Math.imul(inner + 2097152, t.H2) + 8192) >> 14;
  v = Math.imul(left, right);
  v = (v - (Math.imul(Math.imul(v >> 15, v >> 15) >> 7, t.H1) >> 4)) | 0;
  v = Math.min(419430400, Math.max(0, v));
  return (v >>> 12) / 1024;
}
