import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { addressFromText } from '../address.js';
import { InitiationRateLimiter } from './rate-limit.js';

const a = (text: string): Uint8Array => addressFromText(text);

function passes(limiter: InitiationRateLimiter, addr: Uint8Array, tries: number): number {
  let n = 0;
  for (let i = 0; i < tries; i++) if (limiter.allow(addr)) n++;
  return n;
}

describe('initiation rate limits (docs/protocol.md §3)', () => {
  it('one address: 50 at once, then one more per 20 ms', async () => {
    const clock = new ManualClock();
    const limiter = new InitiationRateLimiter(clock);
    expect(passes(limiter, a('2001:db8::1'), 80)).toBe(50);
    await clock.advance(19);
    expect(limiter.allow(a('2001:db8::1'))).toBe(false);
    await clock.advance(1);
    expect(passes(limiter, a('2001:db8::1'), 5)).toBe(1);
    await clock.advance(1000);
    expect(passes(limiter, a('2001:db8::1'), 80)).toBe(50);
  });

  it('over 10 s, one address gets at most 50 + 50·10', async () => {
    const clock = new ManualClock();
    const limiter = new InitiationRateLimiter(clock);
    let n = 0;
    for (let ms = 0; ms < 10_000; ms += 5) {
      n += passes(limiter, a('2001:db8::1'), 3);
      await clock.advance(5);
    }
    expect(n).toBeGreaterThanOrEqual(500);
    expect(n).toBeLessThanOrEqual(550);
  });

  it('one /64: 200 at once across its addresses; another /64 is unaffected', () => {
    const limiter = new InitiationRateLimiter(new ManualClock());
    let n = 0;
    for (let host = 1; host <= 8; host++) n += passes(limiter, a(`2001:db8:0:1::${host}`), 50);
    expect(n).toBe(200);
    expect(passes(limiter, a('2001:db8:0:1::99'), 1)).toBe(0);
    expect(passes(limiter, a('2001:db8:0:2::1'), 60)).toBe(50);
  });

  it('IPv4: the prefix is the address itself (/32), so 50/s per address and no sharing', () => {
    const limiter = new InitiationRateLimiter(new ManualClock());
    expect(passes(limiter, a('192.0.2.1'), 60)).toBe(50);
    expect(passes(limiter, a('192.0.2.2'), 60)).toBe(50);
    expect(passes(limiter, a('::ffff:192.0.2.1'), 1)).toBe(0); // the same host
  });

  it('an INIT refused by one bucket spends no token from the other', () => {
    const limiter = new InitiationRateLimiter(new ManualClock(), { perAddressPerSecond: 2, perPrefixPerSecond: 3 });
    expect(passes(limiter, a('2001:db8::1'), 5)).toBe(2);
    expect(passes(limiter, a('2001:db8::2'), 5)).toBe(1); // the /64 had 3: 2 spent, 1 left
  });

  it('memory is bounded: beyond the maximum the least recently used bucket is forgotten', () => {
    const limiter = new InitiationRateLimiter(new ManualClock(), { maxAddresses: 100, maxPrefixes: 10 });
    const first = a('2001:db8:ffff::1');
    expect(passes(limiter, first, 60)).toBe(50);
    for (let i = 0; i < 5000; i++) limiter.allow(a(`2001:db8:${(i % 4000).toString(16)}::${(i % 7) + 1}`));
    expect(limiter.size.addresses).toBe(100);
    expect(limiter.size.prefixes).toBe(10);
    // forgotten: it comes back full, as an idle bucket would be
    expect(passes(limiter, first, 60)).toBe(50);
  });
});
