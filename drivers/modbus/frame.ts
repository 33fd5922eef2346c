/**
 * Modbus RTU frames for the master side: requests out, replies in.
 *
 * ADU = unit (1 byte) | PDU (function + data) | CRC-16 low, high (Modbus over Serial Line
 * V1.02 §2.5.1, at most 256 bytes). PDUs per MB Application Protocol V1.1b3:
 *   03/04 §6.3/§6.4  request  addr(2) qty(2)             reply  byteCount(1) = 2·qty, words
 *   06    §6.6       request  addr(2) value(2)           reply  echo of the request
 *   16    §6.12      request  addr(2) qty(2) n(1) words  reply  addr(2) qty(2)
 *   any   §7         exception reply: function | 0x80, code(1)  → 5-byte ADU
 * All 16-bit fields are big-endian; only the CRC is little-endian.
 *
 * Must hold: `decodeReply` throws only `ModbusFrameError`, never reads past the buffer, and
 * allocates at most 125 values whatever it is given.
 */
import { hasValidCrc, crc16Modbus, withCrc } from './crc.js';
import { ModbusFrameError } from './errors.js';
import { MAX_READ_COUNT, MAX_WRITE_COUNT, type ModbusRequest } from './request.js';

export const MAX_ADU_LENGTH = 256;
export const EXCEPTION_ADU_LENGTH = 5;

export type ModbusReply =
  | { readonly kind: 'registers'; readonly values: number[] }
  | { readonly kind: 'written' }
  | { readonly kind: 'exception'; readonly code: number };

function checkInt(what: string, v: number, min: number, max: number, hint = ''): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`Modbus ${what} must be an integer ${min}–${max}, got ${v}${hint}`);
  }
}

/** Throws RangeError naming the bad argument and its allowed range. */
export function validateRequest(req: ModbusRequest): void {
  const isWrite = req.fn === 0x06 || req.fn === 0x10;
  if (req.unit === 0 && !isWrite) {
    throw new RangeError('Modbus unit 0 is broadcast, which is allowed only for writes (no device replies to it); use a unit address 1–247');
  }
  checkInt('unit address', req.unit, isWrite ? 0 : 1, 247, ' (248–255 are reserved; 0 = broadcast, writes only)');
  checkInt('register address', req.address, 0, 0xffff, ' (PDU addressing: holding register 40001 is address 0)');
  switch (req.fn) {
    case 0x03:
    case 0x04:
      checkInt('read count', req.count, 1, MAX_READ_COUNT);
      checkInt('last register address', req.address + req.count - 1, 0, 0xffff);
      return;
    case 0x06:
      checkInt('register value', req.value, 0, 0xffff, ' (encode signed values as two’s complement)');
      return;
    case 0x10:
      checkInt('write count', req.values.length, 1, MAX_WRITE_COUNT);
      checkInt('last register address', req.address + req.values.length - 1, 0, 0xffff);
      req.values.forEach((v, i) => checkInt(`register value [${i}]`, v, 0, 0xffff));
      return;
  }
}

/** The request ADU, CRC included. Validates first. */
export function encodeRequest(req: ModbusRequest): Buffer {
  validateRequest(req);
  switch (req.fn) {
    case 0x03:
    case 0x04:
    case 0x06: {
      const pdu = Buffer.alloc(6);
      pdu.writeUInt8(req.unit, 0);
      pdu.writeUInt8(req.fn, 1);
      pdu.writeUInt16BE(req.address, 2);
      pdu.writeUInt16BE(req.fn === 0x06 ? req.value : req.count, 4);
      return withCrc(pdu);
    }
    case 0x10: {
      const n = req.values.length;
      const pdu = Buffer.alloc(7 + 2 * n);
      pdu.writeUInt8(req.unit, 0);
      pdu.writeUInt8(0x10, 1);
      pdu.writeUInt16BE(req.address, 2);
      pdu.writeUInt16BE(n, 4);
      pdu.writeUInt8(2 * n, 6);
      req.values.forEach((v, i) => pdu.writeUInt16BE(v, 7 + 2 * i));
      return withCrc(pdu);
    }
  }
}

/**
 * Total ADU length of the reply whose first bytes are `head`, as far as they tell:
 * a number once known; `undefined` while more bytes are needed to know; `null` when the
 * function byte is neither ours nor our exception (the length cannot be known: the frame
 * ends with silence). The unit byte is not checked here (a wrong-unit reply still has a
 * length); `decodeReply` rejects it.
 */
export function replyLength(req: ModbusRequest, head: Uint8Array): number | undefined | null {
  const fn = head[1];
  if (fn === undefined) return undefined;
  if (fn === (req.fn | 0x80)) return EXCEPTION_ADU_LENGTH;
  if (fn !== req.fn) return null;
  switch (req.fn) {
    case 0x03:
    case 0x04: {
      const byteCount = head[2];
      return byteCount === undefined ? undefined : 5 + byteCount;
    }
    case 0x06:
    case 0x10:
      return 8;
  }
}

const hex = (n: number, width = 2): string => `0x${n.toString(16).padStart(width, '0')}`;

/** Decodes a complete reply ADU to `req`; throws ModbusFrameError saying what is wrong. */
export function decodeReply(req: ModbusRequest, adu: Uint8Array): ModbusReply {
  const len = adu.length;
  if (len < EXCEPTION_ADU_LENGTH) {
    throw new ModbusFrameError('short', `reply is ${len} byte${len === 1 ? '' : 's'}; the shortest valid reply (an exception) is 5`);
  }
  if (len > MAX_ADU_LENGTH) throw new ModbusFrameError('length', `reply is ${len} bytes; an RTU frame has at most 256`);
  if (!hasValidCrc(adu)) {
    const got = (adu[len - 2] ?? 0) | ((adu[len - 1] ?? 0) << 8);
    throw new ModbusFrameError('crc', `reply CRC is ${hex(got, 4)}, expected ${hex(crc16Modbus(adu, 0, len - 2), 4)}`);
  }
  const unit = adu[0] ?? -1;
  if (unit !== req.unit) throw new ModbusFrameError('unit', `reply comes from unit ${unit}, not ${req.unit}`);
  const fn = adu[1] ?? -1;
  if (fn === (req.fn | 0x80)) {
    if (len !== EXCEPTION_ADU_LENGTH) throw new ModbusFrameError('length', `exception reply is ${len} bytes, expected 5`);
    return { kind: 'exception', code: adu[2] ?? 0 };
  }
  if (fn !== req.fn) throw new ModbusFrameError('function', `reply is for function ${hex(fn)}, not ${hex(req.fn)}`);

  const view = Buffer.from(adu.buffer, adu.byteOffset, adu.byteLength);
  switch (req.fn) {
    case 0x03:
    case 0x04: {
      const byteCount = view.readUInt8(2);
      if (byteCount !== 2 * req.count) {
        throw new ModbusFrameError('byte-count', `reply byte count is ${byteCount}, expected ${2 * req.count} for ${req.count} registers`);
      }
      if (len !== 5 + byteCount) throw new ModbusFrameError('length', `reply is ${len} bytes, expected ${5 + byteCount}`);
      const values: number[] = [];
      for (let i = 0; i < req.count; i++) values.push(view.readUInt16BE(3 + 2 * i));
      return { kind: 'registers', values };
    }
    case 0x06:
    case 0x10: {
      if (len !== 8) throw new ModbusFrameError('length', `reply is ${len} bytes, expected 8`);
      const address = view.readUInt16BE(2);
      const second = view.readUInt16BE(4);
      const expected = req.fn === 0x06 ? req.value : req.values.length;
      if (address !== req.address || second !== expected) {
        const what = req.fn === 0x06 ? 'value' : 'quantity';
        throw new ModbusFrameError(
          'echo',
          `reply echoes address ${address} ${what} ${second}, request had address ${req.address} ${what} ${expected}`,
        );
      }
      return { kind: 'written' };
    }
  }
}
