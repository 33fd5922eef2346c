/**
 * The server side of Modbus at PDU level (MB Application Protocol V1.1b3 §6.3, §6.4, §6.6,
 * §6.12, exceptions §7): decode a request PDU, build the response PDU. Pure functions:
 * bytes in, bytes out. The ADU around them (unit, CRC) is server-codec.ts's.
 *
 * Checks run in the spec's order (the per-function state diagrams in §6): function code
 * (01), then count and byte count (03), then address range (02), then execution (02/03/04
 * from the register bank).
 */
import { ModbusExceptionCode } from './exception-codes.js';
import { MAX_READ_COUNT, MAX_WRITE_COUNT, type ModbusRequestPdu, type ReadFunction } from './request.js';

/** Register tables (§4.3): holding registers (read/write) and input registers (read-only). */
export type ModbusRegisterKind = 'holding' | 'input';

/** Where a server finds its registers. Values are raw 16-bit words (0–65535). */
export interface ModbusRegisterBank {
  /** All `count` words from `address`, or an exception (02 when any is unmapped). */
  read(kind: ModbusRegisterKind, address: number, count: number): number[] | ModbusExceptionCode;
  /** Writes all or nothing; returns an exception (02 unmapped, 03 value refused) or undefined. */
  write(address: number, values: readonly number[]): ModbusExceptionCode | undefined;
}

/** A request the server can execute, or the exception it earns before execution. */
export type DecodedRequestPdu = ModbusRequestPdu | { readonly exception: ModbusExceptionCode; readonly fn: number };

/** Decodes a request PDU (function code + data), or names the exception it earns. Never throws. */
export function decodeRequestPdu(pdu: Uint8Array): DecodedRequestPdu {
  const b = Buffer.from(pdu.buffer, pdu.byteOffset, pdu.byteLength);
  const fn = b[0] ?? 0;
  const bad = { exception: ModbusExceptionCode.IllegalDataValue, fn };
  switch (fn) {
    case 0x03:
    case 0x04: {
      if (b.length !== 5) return bad;
      const address = b.readUInt16BE(1);
      const count = b.readUInt16BE(3);
      // §6.3/§6.4: 1 ≤ count ≤ 125 (0x7D) → else 03; address + count ≤ 65536 → else 02.
      if (count < 1 || count > MAX_READ_COUNT) return bad;
      if (address + count > 0x10000) return { exception: ModbusExceptionCode.IllegalDataAddress, fn };
      return { fn, address, count };
    }
    case 0x06:
      if (b.length !== 5) return bad;
      return { fn, address: b.readUInt16BE(1), value: b.readUInt16BE(3) };
    case 0x10: {
      // §6.12: 1 ≤ count ≤ 123 (0x7B) and byte count = 2 × count → else 03.
      if (b.length < 6) return bad;
      const address = b.readUInt16BE(1);
      const count = b.readUInt16BE(3);
      const byteCount = b[5] ?? 0;
      if (count < 1 || count > MAX_WRITE_COUNT || byteCount !== 2 * count || b.length !== 6 + byteCount) return bad;
      if (address + count > 0x10000) return { exception: ModbusExceptionCode.IllegalDataAddress, fn };
      const values: number[] = [];
      for (let i = 0; i < count; i++) values.push(b.readUInt16BE(6 + 2 * i));
      return { fn, address, values };
    }
    default:
      return { exception: ModbusExceptionCode.IllegalFunction, fn };
  }
}

/** Exception response PDU: function | 0x80, code (§7). */
export function exceptionPdu(fn: number, code: number): Buffer {
  return Buffer.from([(fn | 0x80) & 0xff, code]);
}

/** Read response PDU: function, byte count, big-endian words (§6.3, §6.4). */
export function readResponsePdu(fn: ReadFunction, words: readonly number[]): Buffer {
  const out = Buffer.alloc(2 + 2 * words.length);
  out[0] = fn;
  out[1] = 2 * words.length;
  words.forEach((w, i) => out.writeUInt16BE(w & 0xffff, 2 + 2 * i));
  return out;
}

/** Write response PDU: 06 echoes address and value (§6.6); 16 answers address and count (§6.12). */
export function writeResponsePdu(req: Extract<ModbusRequestPdu, { fn: 0x06 | 0x10 }>): Buffer {
  const out = Buffer.alloc(5);
  out[0] = req.fn;
  out.writeUInt16BE(req.address, 1);
  out.writeUInt16BE(req.fn === 0x06 ? req.value : req.values.length, 3);
  return out;
}
