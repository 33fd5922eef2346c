/**
 * The other side of `frame.ts`, for virtual devices and test scripts that play a Modbus
 * server: parse a request ADU, build a reply ADU. Thin wrappers over server-pdu.ts that add
 * or check the unit byte and the CRC (ADU = unit | PDU | CRC, Serial Line V1.02 §2.5.1).
 *
 * Must hold: `decodeRequest` returns undefined (never throws) for anything that is not a
 * well-formed request with a valid CRC (a real server stays silent then, Serial Line §2.4.1),
 * and for a request that earns an exception (use `decodeRequestPdu` to learn which).
 */
import { hasValidCrc, withCrc } from './crc.js';
import { MAX_ADU_LENGTH } from './frame.js';
import type { ModbusRequest, ReadFunction } from './request.js';
import { decodeRequestPdu, exceptionPdu, readResponsePdu, writeResponsePdu } from './server-pdu.js';

/** The request in an ADU, or undefined (see header). */
export function decodeRequest(adu: Uint8Array): ModbusRequest | undefined {
  if (adu.length < 4 || adu.length > MAX_ADU_LENGTH || !hasValidCrc(adu)) return undefined;
  const req = decodeRequestPdu(adu.subarray(1, adu.length - 2));
  return 'exception' in req ? undefined : { unit: adu[0] ?? 0, ...req };
}

/** A reply ADU: the unit, the response PDU, the CRC (low byte first). */
export function encodeReplyAdu(unit: number, pdu: Uint8Array): Buffer {
  const body = Buffer.alloc(1 + pdu.length);
  body[0] = unit;
  body.set(pdu, 1);
  return withCrc(body);
}

/** Reply to a read (03/04): byte count then big-endian words. */
export function encodeReadReply(unit: number, fn: ReadFunction, values: readonly number[]): Buffer {
  return encodeReplyAdu(unit, readResponsePdu(fn, values));
}

/** Reply to a write: 06 echoes address and value; 16 echoes address and count. */
export function encodeWriteReply(req: Extract<ModbusRequest, { fn: 0x06 | 0x10 }>): Buffer {
  return encodeReplyAdu(req.unit, writeResponsePdu(req));
}

/** Exception reply: function | 0x80, then the exception code (MB Application Protocol §7). */
export function encodeExceptionReply(unit: number, fn: number, code: number): Buffer {
  return encodeReplyAdu(unit, exceptionPdu(fn, code));
}
