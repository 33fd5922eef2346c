/**
 * Fault injection, shared by every virtual part. A test (or `pia-sim`) arms a fault; the
 * part's transport (virtual I2C bus, serial link) consumes it on the next transaction.
 *
 * - nack:    the part does not acknowledge (I2C) / does not answer (serial)
 * - timeout: the transaction hangs until the bus or master times out
 * - crc:     the reply arrives with a corrupted checksum byte
 * - garbage: the reply is random bytes of plausible length
 * - unplug:  the part is gone (I2C: NACK on every address byte; serial: the port vanishes)
 */
export type FaultKind = 'nack' | 'timeout' | 'crc' | 'garbage' | 'unplug';

export const FAULT_KINDS: readonly FaultKind[] = ['nack', 'timeout', 'crc', 'garbage', 'unplug'];

interface ArmedFault {
  readonly kind: FaultKind;
  /** Transactions left to affect; Infinity until `clear()`. */
  remaining: number;
}

export class FaultInjector {
  private armed: ArmedFault | undefined;

  /** Arms `kind` for the next `count` transactions (default: until cleared). */
  inject(kind: FaultKind, count = Number.POSITIVE_INFINITY): void {
    if (!(count > 0)) throw new RangeError(`fault count must be > 0, got ${count}`);
    this.armed = { kind, remaining: count };
  }

  clear(): void {
    this.armed = undefined;
  }

  /** The fault in force, without consuming it. */
  peek(): FaultKind | undefined {
    return this.armed?.kind;
  }

  /** Consumes one transaction's worth of the armed fault, returning its kind. */
  take(): FaultKind | undefined {
    const a = this.armed;
    if (a === undefined) return undefined;
    a.remaining -= 1;
    if (a.remaining <= 0) this.armed = undefined;
    return a.kind;
  }
}

/** Flips one bit of the last byte: a checksum that no longer matches. */
export function corruptLastByte(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  if (out.length > 0) out[out.length - 1] = (out[out.length - 1] ?? 0) ^ 0x01;
  return out;
}

/** `length` bytes of noise for the 'garbage' fault, from `random` (0 ≤ x < 1; inject it for repeatable tests). */
export function garbageBytes(length: number, random: () => number = Math.random): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256) & 0xff;
  return out;
}
