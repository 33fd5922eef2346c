/**
 * The request model both sides share: the master encodes it (frame.ts), a server decodes it
 * (server-pdu.ts, server-codec.ts), so a round trip is typed. Field names follow the request
 * PDUs of MB Application Protocol V1.1b3: `count` is the spec's "Quantity of Registers".
 */

/** Most registers one read may ask for (§6.3, §6.4: 1–125, 0x7D). */
export const MAX_READ_COUNT = 125;
/** Most registers one write-multiple may carry (§6.12: 1–123, 0x7B). */
export const MAX_WRITE_COUNT = 123;

export type ReadFunction = 0x03 | 0x04;

/** A request PDU (function code + data), without the unit address. */
export type ModbusRequestPdu =
  | { readonly fn: ReadFunction; readonly address: number; readonly count: number }
  | { readonly fn: 0x06; readonly address: number; readonly value: number }
  | { readonly fn: 0x10; readonly address: number; readonly values: readonly number[] };

/** A request as one RTU ADU carries it: the PDU and the unit it is addressed to. */
export type ModbusRequest = ModbusRequestPdu & { readonly unit: number };
