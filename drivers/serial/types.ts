/**
 * A serial line (UART, RS-485 through an auto-direction transceiver). Bytes in, bytes out;
 * framing belongs to the protocol above (Modbus RTU, VC0706).
 */
export type Parity = 'none' | 'even' | 'odd';

export interface SerialSettings {
  readonly baudRate: number;
  readonly dataBits?: 7 | 8;
  readonly parity?: Parity;
  readonly stopBits?: 1 | 2;
}

export type SerialLineState = 'opening' | 'open' | 'reopening' | 'closed';

export interface SerialLine {
  /** Device path, e.g. /dev/serial/by-id/usb-FTDI-... or a socat pty. */
  readonly path: string;
  readonly settings: SerialSettings;
  readonly state: SerialLineState;
  /** Writes and waits until the bytes have left the process (drain). Rejects when not open. */
  write(data: Uint8Array): Promise<void>;
  /** Subscribes to received bytes; returns an unsubscribe. */
  onData(listener: (chunk: Buffer) => void): () => void;
  /** Subscribes to state changes (an unplug shows as 'reopening', then 'open' again). */
  onState(listener: (state: SerialLineState, error?: Error) => void): () => void;
  close(): Promise<void>;
}

/** Bits on the wire for one character: start + data + parity + stop. */
export function bitsPerCharacter(s: SerialSettings): number {
  return 1 + (s.dataBits ?? 8) + ((s.parity ?? 'none') === 'none' ? 0 : 1) + (s.stopBits ?? 1);
}

/** Milliseconds one character occupies on the line at this baud rate. */
export function characterTimeMs(s: SerialSettings): number {
  return (bitsPerCharacter(s) * 1000) / s.baudRate;
}
