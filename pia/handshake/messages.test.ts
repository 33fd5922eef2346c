import { describe, it, expect } from 'vitest';
import { PiaDecodeError } from '../errors.js';
import { decodeKx, encodeKx, isKxDatagram, transcriptPart, KX_MAX_MESSAGE_BYTES, type KxMessage } from './messages.js';
import { hex, unhex } from './test-support/index.js';

const N = (b: number): Uint8Array => new Uint8Array(32).fill(b);

const samples: Record<KxMessage['kind'], KxMessage> = {
  init: { kind: 'init', spiI: 0x1234_5678, ni: N(0xa1), gi: N(0xb2), suites: [1, 2], cookie: new Uint8Array(0) },
  resp: { kind: 'resp', spiI: 0x1234_5678, spiR: 0x9abc_def0, nr: N(0xc3), gr: N(0xd4), suite: 2, macR: N(0xe5) },
  confirm: { kind: 'confirm', spiI: 0x1234_5678, spiR: 0x9abc_def0, nr: N(0xc3), macI: N(0xf6) },
  cookie: { kind: 'cookie', spiI: 0x1234_5678, cookie: new Uint8Array(17).fill(7) },
  refuse: { kind: 'refuse', spiI: 0x1234_5678, reason: 1 },
};

function expectDecodeError(bytes: Uint8Array, problem: RegExp): void {
  let caught: unknown;
  try {
    decodeKx(bytes);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PiaDecodeError);
  expect((caught as PiaDecodeError).message).toMatch(problem);
}

describe('key-exchange messages: layout (docs/protocol.md §5)', () => {
  it('INIT is marker | 01 01 flags 00 | SPIi | 0 | Ni | g^i | n | suites | c | cookie', () => {
    const bytes = encodeKx({ ...samples.init, cookie: Uint8Array.of(9, 9, 9) } as KxMessage);
    const want =
      '00000000' + '01010000' + '12345678' + '00000000' + 'a1'.repeat(32) + 'b2'.repeat(32) + '02' + '0102' + '03' + '090909';
    expect(hex(bytes)).toBe(want);
    expect(bytes.length).toBe(16 + 64 + 1 + 2 + 1 + 3);
  });

  it('RESP, CONFIRM, COOKIE and REFUSE have their fixed sizes and field order', () => {
    expect(hex(encodeKx(samples.resp))).toBe('00000000' + '01020000' + '12345678' + '9abcdef0' + 'c3'.repeat(32) + 'd4'.repeat(32) + '02' + 'e5'.repeat(32));
    expect(hex(encodeKx(samples.confirm))).toBe('00000000' + '01030000' + '12345678' + '9abcdef0' + 'c3'.repeat(32) + 'f6'.repeat(32));
    expect(hex(encodeKx(samples.cookie))).toBe('00000000' + '01040000' + '12345678' + '00000000' + '07'.repeat(17));
    expect(hex(encodeKx(samples.refuse))).toBe('00000000' + '01050000' + '12345678' + '00000000' + '01');
    expect([113, 80, 33, 17]).toEqual([samples.resp, samples.confirm, samples.cookie, samples.refuse].map((m) => encodeKx(m).length));
  });

  it('every message decodes back to itself', () => {
    for (const msg of Object.values(samples)) expect(decodeKx(encodeKx(msg))).toEqual(msg);
  });

  it('every message is < 1280 bytes, the largest INIT (255 suites, 32-byte cookie) included', () => {
    const suites = Array.from({ length: 255 }, (_, i) => i + 1);
    const biggest = encodeKx({ kind: 'init', spiI: 256, ni: N(1), gi: N(2), suites, cookie: new Uint8Array(32) });
    expect(biggest.length).toBe(369);
    for (const msg of [...Object.values(samples)]) expect(encodeKx(msg).length).toBeLessThan(1280);
    expect(biggest.length).toBeLessThan(1280);
    expect(KX_MAX_MESSAGE_BYTES).toBeLessThan(1280);
  });

  it('an INIT keeps suite ids this version does not know, in order (the responder skips them)', () => {
    const bytes = encodeKx({ ...samples.init, suites: [9, 2, 200] } as KxMessage);
    expect(decodeKx(bytes)).toMatchObject({ kind: 'init', suites: [9, 2, 200] });
  });

  it('the transcript covers a message from the version byte on', () => {
    const bytes = encodeKx(samples.init);
    expect(hex(transcriptPart(bytes))).toBe(hex(bytes.subarray(4)));
    expect(isKxDatagram(bytes)).toBe(true);
    expect(isKxDatagram(Uint8Array.of(0, 0, 1, 0, 5))).toBe(false);
    expect(isKxDatagram(Uint8Array.of(0, 0, 0))).toBe(false);
  });

  it('decoded fields are copies: changing the datagram afterwards does not change them', () => {
    const bytes = encodeKx(samples.resp);
    const msg = decodeKx(bytes);
    bytes.fill(0xff, 16);
    expect(msg).toMatchObject({ nr: N(0xc3), macR: N(0xe5) });
  });
});

describe('key-exchange messages: validation', () => {
  const init = (): Uint8Array => encodeKx(samples.init);
  const set = (bytes: Uint8Array, at: number, ...values: number[]): Uint8Array => {
    const out = Uint8Array.from(bytes);
    out.set(values, at);
    return out;
  };

  it('refuses a short header, a missing marker, an unknown version or type, flags or a reserved byte', () => {
    expectDecodeError(new Uint8Array(15), /truncated: 15 bytes/);
    expectDecodeError(set(init(), 3, 1), /non-ESP marker/);
    expectDecodeError(set(init(), 4, 2), /version 2 is not supported/);
    expectDecodeError(set(init(), 5, 0), /unknown type 0/);
    expectDecodeError(set(init(), 5, 6), /unknown type 6/);
    expectDecodeError(set(init(), 5, 16), /reserved for phase 3/);
    expectDecodeError(set(init(), 7, 1), /reserved byte is 1/);
    expectDecodeError(set(encodeKx(samples.confirm), 6, 0x80), /CONFIRM: flags are 0x80, but version 1 defines none/);
    expectDecodeError(new Uint8Array(1280), /more than any message/);
  });

  it('refuses SPIs out of place: SPIi < 256; SPIr non-zero in INIT/COOKIE/REFUSE, < 256 in RESP/CONFIRM', () => {
    expectDecodeError(set(init(), 8, 0, 0, 0, 0), /SPIi 0 is not a valid SPI/);
    expectDecodeError(set(init(), 8, 0, 0, 0, 255), /SPIi 255/);
    expect(() => decodeKx(set(init(), 8, 0, 0, 1, 0))).not.toThrow();
    expectDecodeError(set(init(), 15, 1), /SPIr must be 0/);
    expectDecodeError(set(encodeKx(samples.cookie), 15, 1), /COOKIE: SPIr must be 0/);
    expectDecodeError(set(encodeKx(samples.refuse), 12, 0, 0, 1, 0), /REFUSE: SPIr must be 0/);
    expectDecodeError(set(encodeKx(samples.resp), 12, 0, 0, 0, 7), /RESP: SPIr 7/);
    expectDecodeError(set(encodeKx(samples.confirm), 12, 0, 0, 0, 0), /CONFIRM: SPIr 0/);
  });

  it('refuses any length but the exact one', () => {
    for (const msg of Object.values(samples)) {
      const bytes = encodeKx(msg);
      expect(() => decodeKx(bytes.subarray(0, bytes.length - 1))).toThrow(PiaDecodeError);
      expect(() => decodeKx(Uint8Array.from([...bytes, 0]))).toThrow(PiaDecodeError);
    }
    expectDecodeError(init().subarray(0, 80), /INIT: truncated/);
  });

  it('refuses INIT suite lists that are empty, hold 0 or repeat an id, and cookies over 32 bytes', () => {
    expectDecodeError(set(init(), 80, 0), /offers no suite/);
    expectDecodeError(set(init(), 81, 0), /suite id 0/);
    expectDecodeError(set(init(), 81, 2), /suite id 2 is offered twice/);
    const long = encodeKx({ ...samples.init, cookie: new Uint8Array(32) } as KxMessage);
    expectDecodeError(set(long, 83, 33), /cookie of 33 bytes/);
  });

  it('refuses a RESP choosing an unknown suite and a REFUSE with an unknown reason', () => {
    expectDecodeError(set(encodeKx(samples.resp), 16 + 64, 3), /chosen suite 3/);
    expectDecodeError(set(encodeKx(samples.resp), 16 + 64, 0), /chosen suite 0/);
    expectDecodeError(set(encodeKx(samples.refuse), 16, 0), /reason code 0/);
    expectDecodeError(set(encodeKx(samples.refuse), 16, 4), /reason code 4/);
    for (const reason of [1, 2, 3]) expect(decodeKx(set(encodeKx(samples.refuse), 16, reason))).toMatchObject({ reason });
  });

  it('encodeKx refuses fields that would not decode, naming them', () => {
    const bad: [KxMessage, RegExp][] = [
      [{ ...samples.init, ni: new Uint8Array(31) } as KxMessage, /INIT Ni must be 32 bytes/],
      [{ ...samples.init, spiI: 5 }, /SPIi 5/],
      [{ ...samples.init, spiI: 2 ** 32 }, /SPIi must be an integer/],
      [{ ...samples.init, suites: [] } as KxMessage, /offers no suite/],
      [{ ...samples.init, suites: [256] } as KxMessage, /suite id must be an integer 0–255/],
      [{ ...samples.init, cookie: new Uint8Array(33) } as KxMessage, /33-byte cookie/],
      [{ ...samples.resp, spiR: 0 } as KxMessage, /SPIr 0/],
      [{ ...samples.cookie, cookie: new Uint8Array(16) } as KxMessage, /COOKIE cookie must be 17 bytes/],
      [{ ...samples.refuse, reason: 9 } as unknown as KxMessage, /reason code 9/],
    ];
    for (const [msg, problem] of bad) expect(() => encodeKx(msg)).toThrow(problem);
  });

  it('a hand-written datagram decodes field by field', () => {
    const bytes = unhex('00000000' + '01030000' + '00000100' + 'ffffffff' + '11'.repeat(32) + '22'.repeat(32));
    expect(decodeKx(bytes)).toEqual({ kind: 'confirm', spiI: 256, spiR: 0xffffffff, nr: N(0x11), macI: N(0x22) });
  });
});
