/**
 * The seams between virtual parts and the transports that carry them. A virtual part
 * implements one of these; the transport (virtual bus, virtual serial link, real pty) does
 * the timing and consults the part's `faults`.
 */
import type { FaultInjector } from './faults.js';

/**
 * A target on a virtual I2C bus. One call is one I2C message sequence:
 * START, address+W, `write` bytes, [repeated START, address+R, `readLength` bytes], STOP.
 * `write` may be empty (a bare read); `readLength` may be 0 (a plain write).
 *
 * To refuse, throw `new I2cError('nack', ...)` (e.g. SHT31 before its result is ready,
 * EEPROM during its write cycle or with WP high on a data byte).
 */
export interface I2cTarget {
  readonly address: number;
  /** A short part name for logs and `pia-sim` output, e.g. "SHT31". */
  readonly part: string;
  readonly faults: FaultInjector;
  transfer(write: Buffer, readLength: number): Buffer;
}

/**
 * A part on a serial line. The transport delivers host bytes with `receive` (in chunks, as
 * a UART would) and calls the function given to `attach` for what the part sends.
 * Framing by silence (Modbus t3.5) is the part's job, using its injected clock.
 */
export interface SerialDevice {
  readonly part: string;
  readonly faults: FaultInjector;
  /**
   * `transmit(bytes, startAt?)`: `startAt` is the earliest clock time the first character may
   * go on the wire (default: now). Parts pass the nominal time their reply is due, so a late
   * event loop does not make the simulated line slower than a wire (timing never gets early).
   */
  attach(transmit: (bytes: Buffer, startAt?: number) => void): void;
  /** `arrivedAt`: the clock time the chunk's last character arrived on the wire (default: now). */
  receive(bytes: Buffer, arrivedAt?: number): void;
  /** Stops timers; the part no longer transmits. */
  close(): void;
}
