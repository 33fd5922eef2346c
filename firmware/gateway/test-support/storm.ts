/**
 * Unauthenticated traffic for storm tests: datagrams an attacker can send to a gateway without
 * any identity, each kind built so that what the gateway must do with it is known.
 *
 * Must hold: every datagram is deterministic (seeded); `malformedCoap` and `garbageCoap` never
 * decode as CoAP (the version field is not 1 or the header lies about its length), `badOption`
 * always carries a critical option the server refuses (4.02), `espUnknownSpi` names an SPI of
 * at least 2^24 (no SA of a test holds it: SPIs are random over 2^32, so a clash is a 1 in
 * 2^24 event per datagram; the seed is fixed), and `kxJunk` has the non-ESP marker and a header
 * no key exchange accepts (wrong length for its type, or an unknown version or type).
 */
import { CoapOptionNumber, encodeMessage, methodCode, uriPathOptions, type CoapMethod, type CoapOption } from '../../../coap/index.js';

/** xorshift32: a fixed stream of numbers for a seed (tests only, not for keys). */
export function prng(seed: number): { next(): number; below(n: number): number; bytes(n: number): Uint8Array } {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return { next, below: (n) => next() % n, bytes: (n) => Uint8Array.from({ length: n }, () => next() & 0xff) };
}

export type Prng = ReturnType<typeof prng>;

const METHODS: readonly CoapMethod[] = ['GET', 'PUT', 'POST'];

/** A request to `/<device>/<resource>`: GET, PUT or POST by turn; a random message ID unless given. */
export function request(r: Prng, path: readonly string[], extra: readonly CoapOption[] = [], messageId = r.below(0x10000)): Uint8Array {
  const method = METHODS[r.below(METHODS.length)] ?? 'GET';
  const options = [...uriPathOptions(path), ...extra].sort((a, b) => a.number - b.number);
  const payload = method === 'GET' ? new Uint8Array(0) : new TextEncoder().encode(String(r.below(100)));
  return encodeMessage({ type: r.below(2) === 0 ? 'CON' : 'NON', code: methodCode(method), messageId, token: r.bytes(r.below(9)), options, payload });
}

/** Option 9 is critical (odd) and unassigned; a 4-byte Block2 is a critical option of the wrong format. */
export function badOption(r: Prng, path: readonly string[]): Uint8Array {
  const bad: CoapOption = r.below(2) === 0 ? { number: 9, value: r.bytes(2) } : { number: CoapOptionNumber.Block2, value: r.bytes(4) };
  return request(r, path, [bad]);
}

/** Bytes that are not a CoAP message, by several faults. */
export function malformedCoap(r: Prng): Uint8Array {
  switch (r.below(4)) {
    case 0:
      return r.bytes(1 + r.below(3)); // shorter than the 4-byte header
    case 1:
      return Uint8Array.from([0x49, 0x01, 0x00, 0x01, ...r.bytes(8)]); // token length 9
    case 2:
      return Uint8Array.from([0x48, 0x01, 0x00, 0x01, 0x01, 0x02]); // 8-byte token announced, 2 sent
    default:
      return Uint8Array.from([0x40, 0x01, 0x00, 0x01, 0xff]); // payload marker with no payload
  }
}

/** Random bytes with the version field forced to 0, 2 or 3 (never CoAP). */
export function garbageCoap(r: Prng): Uint8Array {
  const b = r.bytes(1 + r.below(64));
  b[0] = ((b[0] ?? 0) & 0x3f) | ([0x00, 0x80, 0xc0][r.below(3)] ?? 0);
  return b;
}

/** An ESP packet a parser takes (16-byte header, 4k bytes of "ciphertext", a 16-byte ICV) with an SPI no SA has. */
export function espUnknownSpi(r: Prng): Uint8Array {
  const spi = 0x0100_0000 + (r.next() % 0xfeff_ffff);
  const out = new Uint8Array(16 + 4 * (1 + r.below(16)) + 16);
  const view = new DataView(out.buffer);
  view.setUint32(0, spi);
  view.setUint32(4, 1 + r.below(1_000_000));
  out.set(r.bytes(out.length - 8), 8);
  return out;
}

/** The non-ESP marker and a key-exchange header no exchange accepts. */
export function kxJunk(r: Prng): Uint8Array {
  const body = r.bytes(r.below(40)); // no type's exact length: INIT ≥ 67, RESP 97, CONFIRM 64, COOKIE 17 (+1 here)
  const out = new Uint8Array(16 + body.length + (body.length === 17 ? 1 : 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, 0); // the marker
  out[4] = r.below(4) === 0 ? 2 + r.below(200) : 1; // version: mostly 1, else unknown
  out[5] = [1, 2, 3, 4, 5, 9, 17, 200][r.below(8)] ?? 1; // type
  view.setUint32(8, 256 + r.below(0xffff_0000));
  view.setUint32(12, r.below(2) === 0 ? 0 : 256 + r.below(0xffff_0000));
  out.set(body, 16);
  return out;
}

/** Any bytes at all, 1–100 of them. */
export function garbage(r: Prng): Uint8Array {
  return r.bytes(1 + r.below(100));
}
