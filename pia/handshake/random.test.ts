import { describe, it, expect } from 'vitest';
import { jittered, pickSpi, systemRandom } from './random.js';
import { MIN_SPI } from './messages.js';

describe('systemRandom (the OS CSPRNG through a draw pool)', () => {
  it('gives each draw its own bytes: the sizes asked for, copies that do not alias the pool or each other', () => {
    const random = systemRandom();
    const draws = Array.from({ length: 200 }, (_, i) => random.bytes(1 + (i % 40)));
    draws.forEach((d, i) => expect(d.length).toBe(1 + (i % 40)));
    const first = draws[0]!.slice();
    for (let i = 0; i < 50; i++) random.bytes(32); // refills the pool several times
    expect(draws[0]).toEqual(first);
    draws[1]!.fill(0xaa);
    expect(draws[2]!.every((b) => b === 0xaa)).toBe(false);
    // 32-byte draws never repeat (a pool handing out a byte twice would show here)
    const seen = new Set(Array.from({ length: 500 }, () => Buffer.from(random.bytes(32)).toString('hex')));
    expect(seen.size).toBe(500);
  });

  it('draws larger than the pool, and zero-length draws, work', () => {
    const random = systemRandom();
    expect(random.bytes(0).length).toBe(0);
    const big = random.bytes(4096);
    expect(big.length).toBe(4096);
    expect(new Set(big).size).toBeGreaterThan(200); // 4096 random bytes hit nearly all 256 values
  });

  it('feeds SPIs and jitter: SPIs ≥ 256, jitter within ±20 %', () => {
    const random = systemRandom();
    for (let i = 0; i < 100; i++) {
      expect(pickSpi(random, () => true)).toBeGreaterThanOrEqual(MIN_SPI);
      const j = jittered(1000, 0.2, random);
      expect(j).toBeGreaterThanOrEqual(800);
      expect(j).toBeLessThan(1200);
    }
  });
});
