import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { CookieJar, COOKIE_ROTATE_MS } from './cookies.js';
import { flipBit, seededRandom } from './test-support/index.js';

const ni = new Uint8Array(32).fill(0x42);
const from = { address: '2001:db8::7', port: 4500 };
const spiI = 0xabcdef01;

function jar(start = 0): { clock: ManualClock; jar: CookieJar } {
  const clock = new ManualClock(start);
  return { clock, jar: new CookieJar(clock, seededRandom('cookies')) };
}

describe('stateless cookies (docs/protocol.md §5, RFC 7296 §2.6)', () => {
  it('is 17 bytes: version byte then 16 bytes of HMAC; verifies for exactly its inputs', () => {
    const { jar: j } = jar();
    const c = j.make(ni, from, spiI);
    expect(c.length).toBe(17);
    expect(c[0]).toBe(0);
    expect(j.verify(c, ni, from, spiI)).toBe(true);
    expect(j.verify(c, flipBit(ni, 31), from, spiI)).toBe(false);
    expect(j.verify(c, ni, { ...from, port: 4501 }, spiI)).toBe(false);
    expect(j.verify(c, ni, { ...from, address: '2001:db8::8' }, spiI)).toBe(false);
    expect(j.verify(c, ni, from, spiI ^ 1)).toBe(false);
    // the same host written another way is the same input (16 address bytes)
    expect(j.verify(c, ni, { address: '2001:0db8:0:0::7', port: 4500 }, spiI)).toBe(true);
  });

  it('refuses a flipped bit anywhere, a cut or lengthened cookie, and an empty one', () => {
    const { jar: j } = jar();
    const c = j.make(ni, from, spiI);
    for (let i = 0; i < c.length; i++) for (const bit of [0, 7]) expect(j.verify(flipBit(c, i, bit), ni, from, spiI)).toBe(false);
    expect(j.verify(c.subarray(0, 16), ni, from, spiI)).toBe(false);
    expect(j.verify(Uint8Array.from([...c, 0]), ni, from, spiI)).toBe(false);
    expect(j.verify(new Uint8Array(0), ni, from, spiI)).toBe(false);
  });

  it('IPv4 sources are mapped into 16 bytes: 192.0.2.1 and ::ffff:192.0.2.1 are one source', () => {
    const { jar: j } = jar();
    const c = j.make(ni, { address: '192.0.2.1', port: 9 }, spiI);
    expect(j.verify(c, ni, { address: '::ffff:192.0.2.1', port: 9 }, spiI)).toBe(true);
    expect(j.verify(c, ni, { address: '192.0.2.2', port: 9 }, spiI)).toBe(false);
  });

  it('rotates every 120 s: the previous secret is still accepted, the one before it is not', async () => {
    const { clock, jar: j } = jar();
    const c0 = j.make(ni, from, spiI);
    await clock.advance(COOKIE_ROTATE_MS - 1);
    expect(j.verify(c0, ni, from, spiI)).toBe(true);
    await clock.advance(1); // epoch 1: c0 is "previous"
    const c1 = j.make(ni, from, spiI);
    expect(c1[0]).toBe(1);
    expect(Buffer.compare(c1, c0)).not.toBe(0);
    expect(j.verify(c0, ni, from, spiI)).toBe(true);
    await clock.advance(COOKIE_ROTATE_MS); // epoch 2
    expect(j.verify(c0, ni, from, spiI)).toBe(false);
    expect(j.verify(c1, ni, from, spiI)).toBe(true);
  });

  it('after two idle periods every outstanding cookie is refused', async () => {
    const { clock, jar: j } = jar();
    const c0 = j.make(ni, from, spiI);
    await clock.advance(2 * COOKIE_ROTATE_MS);
    expect(j.verify(c0, ni, from, spiI)).toBe(false);
  });

  it('a forged cookie with the right version byte and a guessed MAC is refused', () => {
    const { jar: j } = jar();
    const real = j.make(ni, from, spiI);
    const forged = new Uint8Array(17);
    forged[0] = real[0]!;
    expect(j.verify(forged, ni, from, spiI)).toBe(false);
    expect(String(j)).toBe('CookieJar [redacted]');
  });
});
