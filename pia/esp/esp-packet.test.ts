import { describe, expect, it } from 'vitest';
import { PiaDecodeError } from '../errors.js';
import { SuiteId } from '../suites-ids.js';
import type { Aead } from './aead.js';
import { allAeads } from './aead-select.js';
import {
  ESP_PAYLOAD_OFFSET,
  EspDirection,
  EspNextHeader,
  checkEspDatagram,
  espDatagramLength,
  espPayloadLength,
  espSeqLow,
  espSpi,
  openEsp,
  openEspAnyNextHeader,
  parseEspHeader,
  sealEsp,
  sealEspWithExplicitIv,
  type EspOpened,
} from './esp-packet.js';
import { PacketBuffer } from './packet-buffer.js';
import { ReplayWindow, inferEsn } from './replay-window.js';
import { concat, hex, rfc7634Vector, toHex } from './test-support/index.js';

const v = rfc7634Vector();
const key = new Uint8Array(32).fill(0x42);
const salt = Uint8Array.of(0xa0, 0xa1, 0xa2, 0xa3);
const SPI = 0x1234abcd;

function flip(datagram: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(datagram);
  copy[at]! ^= 0x01;
  return copy;
}

describe('RFC 7634 Appendix A through the ESP codec (32-bit sequence form)', () => {
  const payload = v.plaintext.subarray(0, v.plaintext.length - 4); // without pad 01 02, pad length, next header
  const expected = concat(hex('01020304'), hex('00000005'), v.iv, v.ciphertext, v.tag);

  for (const aead of allAeads().filter((a) => a.suite === SuiteId.ChaCha20Poly1305)) {
    it(`${aead.name}: seals the example datagram byte for byte and opens it`, () => {
      const datagram = sealEspWithExplicitIv({ spi: v.spi, seq: v.seq, key: v.key, salt: v.salt, aead, nextHeader: v.nextHeader, payload, sequenceForm: '32-bit' }, v.iv);
      expect(toHex(datagram)).toBe(toHex(expected));
      const header = parseEspHeader(datagram);
      expect([header.spi, header.seqLow, toHex(header.iv)]).toEqual([0x01020304, 5, '1011121314151617']);
      const opened = openEspAnyNextHeader({ header, seq: 5, key: v.key, salt: v.salt, aead, sequenceForm: '32-bit' });
      expect(opened?.nextHeader).toBe(4);
      expect(toHex(opened!.payload)).toBe(toHex(payload));
    });

    it(`${aead.name}: refuses the example with a flipped bit in SPI or sequence number (AAD), IV (nonce), ciphertext or ICV`, () => {
      const open = (d: Uint8Array): EspOpened<number> | undefined => {
        const header = parseEspHeader(d);
        return openEspAnyNextHeader({ header, seq: header.seqLow, key: v.key, salt: v.salt, aead, sequenceForm: '32-bit' });
      };
      for (const [what, at] of [['SPI', 3], ['sequence number', 7], ['IV', 8], ['IV', 15], ['ciphertext', 16], ['ciphertext', 103], ['ICV', 104], ['ICV', 119]] as const) {
        expect(open(flip(expected, at)), `flipped ${what} byte ${at}`).toBeUndefined();
      }
      expect(() => openEsp({ header: parseEspHeader(expected), seq: 5, key: v.key, salt: v.salt, aead, sequenceForm: '32-bit' })).toThrow(/next header 4 is not carried by PIA/);
    });
  }
});

describe.each(allAeads().map((a) => [a.name, a] as const))('ESP with %s (ESN form)', (_name, aead: Aead) => {
  it('lays out SPI | seq low | IV = 64-bit seq | ciphertext | ICV, pads to 4 with 1, 2, 3, and round-trips', () => {
    for (let n = 0; n <= 9; n++) {
      const payload = Uint8Array.from({ length: n }, (_, i) => 0xf0 + i);
      const seq = 2 ** 32 * 3 + 7;
      const datagram = sealEsp({ spi: SPI, seq, key, salt, aead, nextHeader: EspNextHeader.Ipv6, payload });
      expect(datagram.length).toBe(espDatagramLength(n));
      expect((datagram.length - 32) % 4).toBe(0);
      expect(toHex(datagram.subarray(0, 16))).toBe('1234abcd' + '00000007' + '00000003' + '00000007');
      const header = parseEspHeader(datagram);
      const opened = openEsp({ header, seq, key, salt, aead })!;
      expect(opened.nextHeader).toBe(41);
      expect(toHex(opened.payload)).toBe(toHex(payload));
      // The plaintext trailer, seen through the AEAD directly: pad 1..k, pad length, next header.
      const nonce = concat(salt, header.iv);
      const aad = hex('1234abcd' + '00000003' + '00000007');
      const plain = aead.open(key, nonce, aad, header.body)!;
      const pad = plain.length - 2 - n;
      expect(pad).toBe((4 - ((n + 2) % 4)) % 4);
      expect([...plain.subarray(n)]).toEqual([...Array.from({ length: pad }, (_, i) => i + 1), pad, 41]);
    }
  });

  it('authenticates the inferred high 32 bits: the same datagram with another high half fails the ICV', () => {
    const datagram = sealEsp({ spi: SPI, seq: 2 ** 32 + 9, key, salt, aead, nextHeader: EspNextHeader.NoNextHeader, payload: new Uint8Array(0) });
    const header = parseEspHeader(datagram);
    expect(openEsp({ header, seq: 9, key, salt, aead })).toBeUndefined();
    expect(openEsp({ header, seq: 2 * 2 ** 32 + 9, key, salt, aead })).toBeUndefined();
    expect(openEsp({ header, seq: 2 ** 32 + 9, key, salt, aead })?.nextHeader).toBe(59);
  });

  it('refuses a wrong key or salt (ICV failure, undefined)', () => {
    const datagram = sealEsp({ spi: SPI, seq: 1, key, salt, aead, nextHeader: EspNextHeader.Ipv6, payload: new Uint8Array(10) });
    const header = parseEspHeader(datagram);
    expect(openEsp({ header, seq: 1, key: new Uint8Array(32), salt, aead })).toBeUndefined();
    expect(openEsp({ header, seq: 1, key, salt: Uint8Array.of(0, 0, 0, 0), aead })).toBeUndefined();
  });

  it('checks padding and trailer after the ICV verified (PiaDecodeError)', () => {
    // An authenticated peer that pads wrongly: seal arbitrary plaintexts with the real AEAD.
    const sealRaw = (plain: number[]): Uint8Array => {
      const head = hex('1234abcd' + '00000001' + '0000000000000001');
      const aad = hex('1234abcd' + '00000000' + '00000001');
      return concat(head, aead.seal(key, concat(salt, head.subarray(8)), aad, Uint8Array.from(plain)));
    };
    const open = (plain: number[]): unknown => openEsp({ header: parseEspHeader(sealRaw(plain)), seq: 1, key, salt, aead });
    expect(open([0xaa, 0xbb, 0, 41])).toMatchObject({ nextHeader: 41 });
    expect(() => open([0xaa, 0xbb, 0xcc, 0xdd, 2, 1, 2, 41])).toThrow(/padding byte 1 of 2 is 2, expected 1/);
    expect(() => open([0xaa, 0xbb, 0xcc, 0xdd, 1, 3, 2, 41])).toThrow(/padding byte 2 of 2 is 3/);
    expect(() => open([1, 2, 7, 41])).toThrow(/pad length 7 exceeds the 2 bytes/);
    expect(() => open([1, 2, 7, 41])).toThrow(PiaDecodeError);
    expect(() => open([0xaa, 0xbb, 0, 17])).toThrow(/next header 17 is not carried by PIA/);
  });
});

describe('parseEspHeader', () => {
  it('refuses short datagrams, SPI 0, and ciphertexts that are not a multiple of 4', () => {
    expect(() => parseEspHeader(new Uint8Array(35).fill(1))).toThrow(/truncated: 35 bytes, need at least 36/);
    expect(() => parseEspHeader(new Uint8Array(36))).toThrow(/SPI 0 is the non-ESP marker/);
    expect(() => parseEspHeader(new Uint8Array(37).fill(1))).toThrow(/ciphertext of 5 bytes is not a multiple of 4/);
    const header = parseEspHeader(new Uint8Array(36).fill(1));
    expect([header.iv.length, header.body.length]).toEqual([8, 20]);
  });
});

describe('inbound order at the packet level (docs/protocol.md §6)', () => {
  const aead = allAeads()[0]!;
  /** SPI lookup done; replay pre-check → AEAD open → window update → deliver. */
  function receive(window: ReplayWindow, datagram: Uint8Array): 'delivered' | 'replay' | 'too-old' | 'out-of-range' | 'icv-failed' {
    const header = parseEspHeader(datagram);
    const seq = inferEsn(header.seqLow, window);
    const verdict = window.check(seq);
    if (verdict !== 'ok') return verdict;
    const opened = openEsp({ header, seq, key, salt, aead });
    if (opened === undefined) return 'icv-failed';
    window.accept(seq);
    return 'delivered';
  }
  const send = (seq: number): Uint8Array => sealEsp({ spi: SPI, seq, key, salt, aead, nextHeader: EspNextHeader.Ipv6, payload: Uint8Array.of(seq & 0xff) });

  it('delivers in order and reordered, drops duplicates; a low32 below the window is read as the next subspace and fails the ICV', () => {
    const w = new ReplayWindow();
    // With 200 the highest, the window bottom is 73: 72 is taken as 2^32 + 72 (RFC 4303 A2.2), whose AAD does not verify.
    expect([1, 2, 4, 3, 3, 200, 73, 72, 200].map((s) => receive(w, send(s)))).toEqual([
      'delivered', 'delivered', 'delivered', 'delivered', 'replay', 'delivered', 'delivered', 'icv-failed', 'replay',
    ]);
    expect(w.highest).toBe(200);
  });

  it('a forged packet with a high sequence number fails the ICV and leaves the window where it was', () => {
    const w = new ReplayWindow();
    expect(receive(w, send(1))).toBe('delivered');
    const forged = Uint8Array.from(send(2));
    new DataView(forged.buffer).setUint32(4, 0x7fff_0000); // attacker rewrites the sequence number
    expect(receive(w, forged)).toBe('icv-failed');
    expect(w.highest).toBe(1);
    const garbage = concat(hex('1234abcd' + '10000000'), new Uint8Array(40).fill(0x55));
    expect(receive(w, garbage)).toBe('icv-failed');
    expect(w.highest).toBe(1);
    expect(receive(w, send(2))).toBe('delivered');
  });

  it('crosses 2^32 without losing or replaying packets', () => {
    const w = new ReplayWindow();
    w.accept(2 ** 32 - 5); // as if the SA had already carried that many packets
    const arrivals = [2 ** 32 - 2, 2 ** 32 + 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 2];
    expect(arrivals.map((s) => receive(w, send(s)))).toEqual(arrivals.map(() => 'delivered'));
    expect(arrivals.map((s) => receive(w, send(s)))).toEqual(arrivals.map(() => 'replay'));
  });
});

describe.each(allAeads().map((a) => [a.name, a] as const))('EspDirection, the in-place path, with %s', (_name, aead: Aead) => {
  it('seals in place the same bytes as sealEsp, and opens them into a reused buffer', () => {
    const out = new EspDirection(SPI, key, salt, aead);
    const into = new EspDirection(SPI, key, salt, aead);
    const buf = new PacketBuffer();
    const opened = new PacketBuffer();
    for (let n = 0; n <= 9; n++) {
      const payload = Uint8Array.from({ length: 100 + n }, (_, i) => (i * 7 + n) & 0xff);
      const seq = 2 ** 32 + n + 1;
      buf.ensure(espDatagramLength(payload.length)).set(payload, ESP_PAYLOAD_OFFSET);
      const length = out.sealInPlace(buf, payload.length, EspNextHeader.Ipv6, seq);
      const datagram = buf.view(0, length);
      expect(toHex(datagram)).toBe(toHex(sealEsp({ spi: SPI, seq, key, salt, aead, nextHeader: EspNextHeader.Ipv6, payload })));
      checkEspDatagram(datagram);
      expect([espSpi(datagram), espSeqLow(datagram)]).toEqual([SPI, n + 1]);
      const textLength = into.openInto(datagram, seq, opened);
      expect(textLength).toBe(length - 32);
      const payloadLength = espPayloadLength(opened.bytes, textLength);
      expect(toHex(opened.bytes.subarray(0, payloadLength))).toBe(toHex(payload));
      expect(opened.bytes[textLength - 1]).toBe(EspNextHeader.Ipv6);
    }
  });

  it('a tampered datagram or another high half: -1, and the inbound buffer keeps what it held', () => {
    const out = new EspDirection(SPI, key, salt, aead);
    const into = new EspDirection(SPI, key, salt, aead);
    const buf = new PacketBuffer();
    const opened = new PacketBuffer();
    buf.ensure(espDatagramLength(8)).set(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), ESP_PAYLOAD_OFFSET);
    const datagram = Uint8Array.from(buf.view(0, out.sealInPlace(buf, 8, EspNextHeader.Ipv6, 5)));
    opened.bytes.fill(0xee);
    for (const at of [0, 3, 8, 15, 20, datagram.length - 1]) expect(into.openInto(flip(datagram, at), 5, opened), `byte ${at}`).toBe(-1);
    expect(into.openInto(datagram, 2 ** 32 + 5, opened)).toBe(-1);
    expect(opened.bytes.subarray(0, 12).every((b) => b === 0xee)).toBe(true);
    expect(into.openInto(datagram, 5, opened)).toBe(12);
  });

  it('refuses bad parameters with what is wrong, never the key', () => {
    expect(() => new EspDirection(0, key, salt, aead)).toThrow(/SPI 0 is not in 1\.\.2\^32-1/);
    expect(() => new EspDirection(SPI, key.subarray(1), salt, aead)).toThrow(/key must be 32 bytes, got 31/);
    expect(() => new EspDirection(SPI, key, salt.subarray(1), aead)).toThrow(/salt must be 4 bytes, got 3/);
    const d = new EspDirection(SPI, key, salt, aead);
    const small = new PacketBuffer(40);
    expect(() => d.sealInPlace(small, 20, EspNextHeader.Ipv6, 1)).toThrow(/buffer of 40 bytes cannot hold a 56-byte datagram/);
    expect(() => d.sealInPlace(new PacketBuffer(), 1, EspNextHeader.Ipv6, 0)).toThrow(/sequence number 0 is not in 1\.\./);
    expect(String(d)).toBe('EspDirection spi 0x1234abcd [key redacted]');
    expect(JSON.stringify({ d })).not.toContain('66'); // 0x42 bytes would show as 66
  });
});
