import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ATOM_TYPE,
  HatEepromError,
  crc16Arc,
  decodeHatImage,
  decodePiaHatData,
  decodeVendorInfo,
  encodeGpioMap,
  encodeHatImage,
  encodePiaHatData,
  encodeVendorInfo,
} from './index.js';

/** eepromutils/eeptypes.h getcrc, transcribed bit for bit as an independent reference. */
function eepmakeGetcrc(data: Uint8Array): number {
  let out = 0;
  let bitsRead = 0;
  let i = 0;
  let size = data.length;
  if (size === 0) return 0;
  while (size > 0) {
    const bitFlag = out >> 15;
    out = (out << 1) & 0xffff;
    out |= ((data[i] ?? 0) >> bitsRead) & 1;
    bitsRead++;
    if (bitsRead > 7) {
      bitsRead = 0;
      i++;
      size--;
    }
    if (bitFlag) out ^= 0x8005;
  }
  for (let k = 0; k < 16; k++) {
    const bitFlag = out >> 15;
    out = (out << 1) & 0xffff;
    if (bitFlag) out ^= 0x8005;
  }
  let crc = 0;
  for (let a = 0x8000, b = 0x0001; a !== 0; a >>= 1, b <<= 1) if (a & out) crc |= b;
  return crc;
}

const vendor = {
  uuid: '00112233-4455-6677-8899-aabbccddeeff',
  productId: 0x0042,
  productVersion: 3,
  vendor: 'PIA Project',
  product: 'PIA Gateway HAT',
};

function sampleImage(): Buffer {
  return encodeHatImage([
    { type: ATOM_TYPE.vendorInfo, data: encodeVendorInfo(vendor) },
    { type: ATOM_TYPE.gpioMap, data: encodeGpioMap() },
    { type: ATOM_TYPE.custom, data: encodePiaHatData({ nodeId: 'gw-0001', model: 'pia-gw', hardwareRevision: 'B', secureElementSerial: '0123aabbccddeeff00ee' }) },
  ]);
}

describe('HAT EEPROM format', () => {
  it('CRC-16/ARC: check value 0xBB3D, and equal to eepmake getcrc', () => {
    expect(crc16Arc(Buffer.from('123456789'))).toBe(0xbb3d);
    for (const n of [1, 2, 10, 57, 300]) {
      const data = randomBytes(n);
      expect(crc16Arc(data)).toBe(eepmakeGetcrc(data));
    }
  });

  it('lays out the header and atoms as eepmake does', () => {
    const img = sampleImage();
    expect(img.subarray(0, 4).toString('ascii')).toBe('R-Pi');
    expect([img[4], img[5], img.readUInt16LE(6), img.readUInt32LE(8)]).toEqual([1, 0, 3, img.length]);
    // Vendor atom: type 1, count 0, dlen = 22 + strings + 2; UUID stored least significant byte first.
    expect([img.readUInt16LE(12), img.readUInt16LE(14), img.readUInt32LE(16)]).toEqual([1, 0, 22 + 11 + 15 + 2]);
    expect(img.subarray(20, 36).toString('hex')).toBe('ffeeddccbbaa99887766554433221100');
    const end = 12 + 8 + 22 + 11 + 15;
    expect(img.readUInt16LE(end)).toBe(crc16Arc(img, 12, end));
  });

  it('round-trips an image with vendor info, GPIO map and our custom atom', () => {
    const img = decodeHatImage(sampleImage());
    expect(img.atoms.map((a) => [a.type, a.count])).toEqual([[1, 0], [2, 1], [4, 2]]);
    expect(decodeVendorInfo(img.atoms[0]!.data)).toEqual(vendor);
    expect(img.atoms[1]!.data).toEqual(Buffer.alloc(30));
    expect(decodePiaHatData(img.atoms[2]!.data)).toEqual({
      format: 'pia-hat/1',
      nodeId: 'gw-0001',
      model: 'pia-gw',
      hardwareRevision: 'B',
      secureElementSerial: '0123aabbccddeeff00ee',
    });
  });

  it('round-trips the optional kind, label and server of the PIA atom, and drops malformed ones', () => {
    const server = { address: '2001:db8::1', port: 5684, id: '11111111-2222-4333-8444-555555555555' };
    const full = { nodeId: 'gw-0002', model: 'pia-gw', hardwareRevision: 'C', kind: 'gateway' as const, label: 'rack 4 — Zürich', server };
    expect(decodePiaHatData(encodePiaHatData(full))).toEqual({ format: 'pia-hat/1', ...full });
    const odd = Buffer.from(JSON.stringify({ format: 'pia-hat/1', nodeId: 'n', model: 'm', hardwareRevision: 'r', kind: 'station', label: 7, server: { address: '::1', port: 'x', id: 'i' } }));
    expect(decodePiaHatData(odd)).toEqual({ format: 'pia-hat/1', nodeId: 'n', model: 'm', hardwareRevision: 'r' });
  });

  it('detects a corrupted atom and names it', () => {
    const img = sampleImage();
    const gpioAtom = decodeHatImage(img).atoms[1]!;
    const at = gpioAtom.offset + 8 + 5;
    img.writeUInt8(img.readUInt8(at) ^ 0x10, at);
    expect(() => decodeHatImage(img)).toThrow(HatEepromError);
    expect(() => decodeHatImage(img)).toThrow(/atom 1 \(type 0x0002 \(GPIO map\)\) at offset \d+: CRC stored 0x[0-9a-f]{4}, computed 0x[0-9a-f]{4}/);
    try {
      decodeHatImage(img);
    } catch (e) {
      expect((e as HatEepromError).kind).toBe('crc');
    }
  });

  it('refuses a blank chip, a foreign signature, a bad version and a truncated image', () => {
    expect(() => decodeHatImage(Buffer.alloc(64, 0xff))).toThrow(/signature is ffffffff, not 522d5069/);
    const img = sampleImage();
    const v2 = Buffer.from(img);
    v2[4] = 2;
    expect(() => decodeHatImage(v2)).toThrow(/version 2 is not supported/);
    expect(() => decodeHatImage(img.subarray(0, img.length - 1))).toThrow(/eeplen \d+, but \d+ bytes/);
  });

  it('refuses non-PIA custom data and bad vendor fields', () => {
    expect(() => decodePiaHatData(Buffer.from('{"format":"other"}'))).toThrow(/pia-hat\/1/);
    expect(() => encodeVendorInfo({ ...vendor, uuid: 'nope' })).toThrow(/not a UUID/);
    expect(() => encodeVendorInfo({ ...vendor, productId: 70000 })).toThrow(/product id 70000/);
  });
});
