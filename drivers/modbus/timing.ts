/**
 * RTU timing from the line settings (Modbus over Serial Line V1.02 §2.5.1.1):
 * - a frame is preceded and followed by ≥ 3.5 character times of silence (t3.5);
 * - a gap > 1.5 character times inside a frame (t1.5) makes it incomplete: discard it;
 * - above 19200 baud the spec fixes t1.5 = 750 µs and t3.5 = 1.750 ms, because at high rates
 *   the per-character interrupt load would make the computed values impractical.
 * A character is start + data + parity + stop bits (11 bits in the default 8E1 or 8N2).
 */
import { characterTimeMs, type SerialSettings } from '../serial/index.js';

export interface RtuTiming {
  /** Time one character occupies on the line. */
  readonly characterMs: number;
  /** Longest allowed gap between characters of one frame. */
  readonly t15Ms: number;
  /** Minimum silence between frames. */
  readonly t35Ms: number;
}

const FIXED_ABOVE_BAUD = 19200;

export function rtuTiming(settings: SerialSettings): RtuTiming {
  const characterMs = characterTimeMs(settings);
  if (settings.baudRate > FIXED_ABOVE_BAUD) return { characterMs, t15Ms: 0.75, t35Ms: 1.75 };
  return { characterMs, t15Ms: 1.5 * characterMs, t35Ms: 3.5 * characterMs };
}

/** "9600 8E1": the settings as a technician writes them. */
export function describeSettings(s: SerialSettings): string {
  const parity = (s.parity ?? 'none')[0]?.toUpperCase() ?? 'N';
  return `${s.baudRate} ${s.dataBits ?? 8}${parity}${s.stopBits ?? 1}`;
}
