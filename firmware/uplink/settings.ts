/**
 * The uplink's settings with their defaults, checked once at construction, and the reconnect
 * delay they define (README.md, "Reconnect").
 *
 * Must hold: every number is in its range (the same ranges as firmware/config's schema), or the
 * constructor throws an error naming the setting, the value and the range; the reconnect delay
 * of attempt n is drawn in [d·(1 − jitter), d] with d = min(ceiling, floor·2^(n−1)): never below
 * floor·(1 − jitter), never above the ceiling, so a broker back after an outage is reached within
 * one ceiling and a fleet of gateways does not retry in step (AWS Architecture Blog, "Exponential
 * Backoff And Jitter").
 */
import type { UplinkConfig, UplinkFormatName } from './types.js';

export interface UplinkSettings {
  readonly format: UplinkFormatName;
  readonly prefix: string;
  readonly drainRatePerSec: number;
  readonly maxInFlight: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly reconnectJitter: number;
  readonly healthIntervalMs: number;
  readonly keepaliveSec: number;
}

type NumericSetting = 'drainRatePerSec' | 'maxInFlight' | 'reconnectMinMs' | 'reconnectMaxMs' | 'reconnectJitter' | 'healthIntervalMs' | 'keepaliveSec';

/** Default and range of each number (inclusive). */
const RANGES: Readonly<Record<NumericSetting, readonly [def: number, min: number, max: number]>> = {
  drainRatePerSec: [500, 1, 1e9],
  maxInFlight: [100, 1, 65_535],
  reconnectMinMs: [1_000, 10, 3_600_000],
  reconnectMaxMs: [30_000, 10, 3_600_000],
  reconnectJitter: [0.5, 0, 1],
  healthIntervalMs: [30_000, 1_000, 86_400_000],
  // MQTT 3.1.1 §3.1.2.10: a 16-bit number of seconds; 0 turns keepalive off
  keepaliveSec: [30, 0, 65_535],
};

export function resolveSettings(c: UplinkConfig): UplinkSettings {
  const num = (k: NumericSetting): number => {
    const [def, min, max] = RANGES[k];
    const v = c[k] ?? def;
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`uplink: ${k} ${String(v)} is out of range; give a number from ${min} to ${max} (mqtt.${k} in gateway.yaml)`);
    return v;
  };
  const s = {
    format: c.format ?? 'pia',
    prefix: c.prefix ?? 'pia',
    drainRatePerSec: num('drainRatePerSec'),
    maxInFlight: num('maxInFlight'),
    reconnectMinMs: num('reconnectMinMs'),
    reconnectMaxMs: num('reconnectMaxMs'),
    reconnectJitter: num('reconnectJitter'),
    healthIntervalMs: num('healthIntervalMs'),
    keepaliveSec: num('keepaliveSec'),
  } as const;
  if (s.format !== 'pia' && s.format !== 'thingsboard') throw new Error(`uplink: format "${String(s.format)}" is unknown; write pia or thingsboard (mqtt.format in gateway.yaml)`);
  if (s.reconnectMaxMs < s.reconnectMinMs) throw new Error(`uplink: reconnectMaxMs ${s.reconnectMaxMs} is below reconnectMinMs ${s.reconnectMinMs}; the ceiling must be at least the floor (mqtt.reconnectMaxMs in gateway.yaml)`);
  return s;
}

/** The delay before reconnect attempt `failures` (1 = the first retry); `random` in [0, 1). */
export function reconnectDelay(s: Pick<UplinkSettings, 'reconnectMinMs' | 'reconnectMaxMs' | 'reconnectJitter'>, failures: number, random: number): number {
  const d = Math.min(s.reconnectMaxMs, s.reconnectMinMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  return d * (1 - s.reconnectJitter) + random * d * s.reconnectJitter;
}
