/**
 * Bosch BME280 compensation: raw ADC values + the part's trimming parameters → °C, Pa, %RH.
 * The integer versions of the datasheet (BST-BME280-DS002 §4.2.3, "Compensation formulas"):
 * BME280_compensate_T_int32, BME280_compensate_P_int32, bme280_compensate_H_int32, computed
 * with 32-bit wrap-around (Math.imul, `| 0`, `>>> 0`) exactly as the C reference does.
 * The device model uses these to read the part; the simulator inverts them to encode.
 *
 * Trimming layout (§4.2.2, Table 16): 0x88..0x9F dig_T1..dig_P9 (little-endian u16/s16),
 * 0xA1 dig_H1 (u8); 0xE1/0xE2 dig_H2 (s16), 0xE3 dig_H3 (u8),
 * dig_H4 = 0xE4 << 4 | 0xE5[3:0] (s12), dig_H5 = 0xE6 << 4 | 0xE5[7:4] (s12), 0xE7 dig_H6 (s8).
 */

export interface Bme280Calibration {
  readonly digT1: number; // u16
  readonly digT2: number; // s16
  readonly digT3: number; // s16
  readonly digP1: number; // u16
  readonly digP2: number;
  readonly digP3: number;
  readonly digP4: number;
  readonly digP5: number;
  readonly digP6: number;
  readonly digP7: number;
  readonly digP8: number;
  readonly digP9: number; // s16
  readonly digH1: number; // u8
  readonly digH2: number; // s16
  readonly digH3: number; // u8
  readonly digH4: number; // s12
  readonly digH5: number; // s12
  readonly digH6: number; // s8
}

/**
 * Temperature and pressure: the worked example of the Bosch BMP280 datasheet (BST-BMP280-DS001
 * §3.12, same formulas and layout). Humidity: values read from a production BME280 (the
 * BME280 datasheet gives no example); any plausible set works, the simulator inverts them.
 */
export const BME280_TYPICAL_CALIBRATION: Bme280Calibration = {
  digT1: 27504,
  digT2: 26435,
  digT3: -1000,
  digP1: 36477,
  digP2: -10685,
  digP3: 3024,
  digP4: 2855,
  digP5: 140,
  digP6: -7,
  digP7: 15500,
  digP8: -14600,
  digP9: 6000,
  digH1: 75,
  digH2: 362,
  digH3: 0,
  digH4: 313,
  digH5: 50,
  digH6: 30,
};

/** The 26 bytes at 0x88..0xA1 and the 7 bytes at 0xE1..0xE7 (0xA0 is unused and reads 0). */
export function encodeBme280Calibration(c: Bme280Calibration): { block88: Buffer; blockE1: Buffer } {
  const block88 = Buffer.alloc(26);
  block88.writeUInt16LE(c.digT1, 0);
  block88.writeInt16LE(c.digT2, 2);
  block88.writeInt16LE(c.digT3, 4);
  block88.writeUInt16LE(c.digP1, 6);
  [c.digP2, c.digP3, c.digP4, c.digP5, c.digP6, c.digP7, c.digP8, c.digP9].forEach((v, i) => block88.writeInt16LE(v, 8 + 2 * i));
  block88.writeUInt8(c.digH1, 25);
  const blockE1 = Buffer.alloc(7);
  blockE1.writeInt16LE(c.digH2, 0);
  blockE1.writeUInt8(c.digH3, 2);
  blockE1[3] = (c.digH4 >> 4) & 0xff;
  blockE1[4] = (c.digH4 & 0x0f) | ((c.digH5 & 0x0f) << 4);
  blockE1[5] = (c.digH5 >> 4) & 0xff;
  blockE1.writeInt8(c.digH6, 6);
  return { block88, blockE1 };
}

export function parseBme280Calibration(block88: Uint8Array, blockE1: Uint8Array): Bme280Calibration {
  if (block88.length < 26 || blockE1.length < 7) {
    throw new RangeError(`BME280 calibration: need 26 bytes from 0x88 and 7 from 0xE1, got ${block88.length} and ${blockE1.length}`);
  }
  const a = Buffer.from(block88.buffer, block88.byteOffset, block88.length);
  const b = Buffer.from(blockE1.buffer, blockE1.byteOffset, blockE1.length);
  const s12 = (v: number): number => (v & 0x800 ? v - 0x1000 : v);
  return {
    digT1: a.readUInt16LE(0),
    digT2: a.readInt16LE(2),
    digT3: a.readInt16LE(4),
    digP1: a.readUInt16LE(6),
    digP2: a.readInt16LE(8),
    digP3: a.readInt16LE(10),
    digP4: a.readInt16LE(12),
    digP5: a.readInt16LE(14),
    digP6: a.readInt16LE(16),
    digP7: a.readInt16LE(18),
    digP8: a.readInt16LE(20),
    digP9: a.readInt16LE(22),
    digH1: a.readUInt8(25),
    digH2: b.readInt16LE(0),
    digH3: b.readUInt8(2),
    digH4: s12(((b[3] ?? 0) << 4) | ((b[4] ?? 0) & 0x0f)),
    digH5: s12(((b[5] ?? 0) << 4) | ((b[4] ?? 0) >> 4)),
    digH6: b.readInt8(6),
  };
}

/** The raw ADC values of one data burst 0xF7..0xFE (§5.4.7–5.4.9): 20-bit P and T, 16-bit H. */
export interface Bme280Raw {
  readonly adcP: number;
  readonly adcT: number;
  readonly adcH: number;
}

export function parseBme280Burst(burst: Uint8Array): Bme280Raw {
  if (burst.length < 8) throw new RangeError(`BME280 data burst: need 8 bytes from 0xF7, got ${burst.length}`);
  const b = (i: number): number => burst[i] ?? 0;
  return {
    adcP: (b(0) << 12) | (b(1) << 4) | (b(2) >> 4),
    adcT: (b(3) << 12) | (b(4) << 4) | (b(5) >> 4),
    adcH: (b(6) << 8) | b(7),
  };
}

/** A skipped measurement (oversampling 0) reads 0x80000 (T, P) or 0x8000 (H). */
export const BME280_SKIPPED = { adcP: 0x80000, adcT: 0x80000, adcH: 0x8000 } as const;

/** BME280_compensate_T_int32: temperature in 0.01 °C and t_fine (used by P and H). */
export function compensateTemperature(adcT: number, c: Bme280Calibration): { centiC: number; tFine: number } {
  const var1 = Math.imul((adcT >> 3) - (c.digT1 << 1), c.digT2) >> 11;
  const d = (adcT >> 4) - c.digT1;
  const var2 = Math.imul(Math.imul(d, d) >> 12, c.digT3) >> 14;
  const tFine = (var1 + var2) | 0;
  return { centiC: (Math.imul(tFine, 5) + 128) >> 8, tFine };
}

/** BME280_compensate_P_int32: pressure in Pa (unsigned 32-bit); 0 when the divisor is 0. */
export function compensatePressure(adcP: number, tFine: number, c: Bme280Calibration): number {
  let var1 = (tFine >> 1) - 64000;
  let var2 = Math.imul(Math.imul(var1 >> 2, var1 >> 2) >> 11, c.digP6);
  var2 = (var2 + (Math.imul(var1, c.digP5) << 1)) | 0;
  var2 = ((var2 >> 2) + (c.digP4 << 16)) | 0;
  var1 = ((Math.imul(c.digP3, Math.imul(var1 >> 2, var1 >> 2) >> 13) >> 3) + (Math.imul(c.digP2, var1) >> 1)) >> 18;
  var1 = Math.imul(32768 + var1, c.digP1) >> 15;
  if (var1 === 0) return 0;
  let p = Math.imul((1048576 - adcP - (var2 >> 12)) >>> 0, 3125) >>> 0;
  p = p < 0x80000000 ? Math.floor(((p << 1) >>> 0) / (var1 >>> 0)) >>> 0 : (Math.floor(p / (var1 >>> 0)) * 2) >>> 0;
  var1 = Math.imul(c.digP9, Math.imul(p >>> 3, p >>> 3) >>> 13) >> 12;
  var2 = Math.imul(p >>> 2, c.digP8) >> 13;
  return ((p | 0) + ((var1 + var2 + c.digP7) >> 4)) >>> 0;
}

/** bme280_compensate_H_int32: relative humidity in Q22.10 %RH (47445 → 46.333 %RH). */
export function compensateHumidity(adcH: number, tFine: number, c: Bme280Calibration): number {
  let v = (tFine - 76800) | 0;
  const a = ((adcH << 14) - (c.digH4 << 20) - Math.imul(c.digH5, v) + 16384) >> 15;
  const inner = ((Math.imul(v, c.digH6) >> 10) * ((Math.imul(v, c.digH3) >> 11) + 32768)) >> 10;
  const b = (Math.imul(inner + 2097152, c.digH2) + 8192) >> 14;
  v = Math.imul(a, b);
  v = (v - (Math.imul(Math.imul(v >> 15, v >> 15) >> 7, c.digH1) >> 4)) | 0;
  v = v < 0 ? 0 : v > 419430400 ? 419430400 : v;
  return v >>> 12;
}

/** The three compensations in the order the datasheet requires (T first, for t_fine). */
export function compensateBme280(raw: Bme280Raw, c: Bme280Calibration): { temperatureC: number; pressurePa: number; humidityPct: number } {
  const { centiC, tFine } = compensateTemperature(raw.adcT, c);
  return {
    temperatureC: centiC / 100,
    pressurePa: compensatePressure(raw.adcP, tFine, c),
    humidityPct: compensateHumidity(raw.adcH, tFine, c) / 1024,
  };
}
