import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { Initiator, INIT_RETRANSMIT, MAX_COOKIE_ROUNDS } from './initiator.js';
import { decodeKx, encodeKx } from './messages.js';
import { hex, seededRandom, unhex, R_ADDR } from './test-support/index.js';
import type { KxAction } from './types.js';

/** Sends INITs on the clock until the initiator gives up; returns the send times and the end. */
async function schedule(clock: ManualClock, initiator: Initiator): Promise<{ sends: { at: number; bytes: string }[]; failedAt: number; reason: string }> {
  const sends: { at: number; bytes: string }[] = [];
  const note = (actions: KxAction[]): string | undefined => {
    for (const a of actions) if (a.kind === 'send') sends.push({ at: clock.now(), bytes: hex(a.bytes) });
    const failed = actions.find((a) => a.kind === 'failed');
    return failed?.kind === 'failed' ? failed.reason : undefined;
  };
  note(initiator.start());
  for (;;) {
    const due = initiator.nextDeadline();
    if (due === undefined) throw new Error('no deadline and no failure');
    await clock.advance(due - clock.now());
    const reason = note(initiator.tick());
    if (reason !== undefined) return { sends, failedAt: clock.now(), reason };
  }
}

/** An initiator whose jitter draws are all `jitterByte` (0x00 → factor 0.8, 0xff → just under 1.2). */
function withJitter(clock: ManualClock, jitterByte: number): Initiator {
  const random = seededRandom('jitter');
  random.queue(unhex('00001000'), new Uint8Array(32).fill(1), new Uint8Array(32).fill(2));
  for (let i = 0; i < 8; i++) random.queue(new Uint8Array(4).fill(jitterByte));
  return new Initiator({ clock, peer: R_ADDR, random });
}

describe('INIT retransmission (docs/protocol.md §3)', () => {
  it('5 identical INITs, waits 1, 2, 4, 8, 16 s each within ±20 %, then failed "no answer"', async () => {
    for (const seed of ['a', 'b', 'c', 'd']) {
      const clock = new ManualClock(1000);
      const initiator = new Initiator({ clock, peer: R_ADDR, random: seededRandom(seed) });
      const { sends, failedAt, reason } = await schedule(clock, initiator);
      expect(sends.length).toBe(INIT_RETRANSMIT.tries);
      expect(new Set(sends.map((s) => s.bytes)).size).toBe(1);
      const times = [...sends.map((s) => s.at), failedAt];
      for (let k = 1; k < times.length; k++) {
        const wait = times[k]! - times[k - 1]!;
        const nominal = 1000 * 2 ** (k - 1);
        expect(wait).toBeGreaterThanOrEqual(0.8 * nominal);
        expect(wait).toBeLessThan(1.2 * nominal);
      }
      expect(reason).toBe('no answer');
      expect(initiator.state).toBe('failed');
      expect(initiator.nextDeadline()).toBeUndefined();
    }
  });

  it('the jitter reaches its bounds: all-zero draws give 0.8×, all-one draws just under 1.2×', async () => {
    const low = new ManualClock();
    const lowRun = await schedule(low, withJitter(low, 0x00));
    expect(lowRun.sends.map((s) => s.at)).toEqual([0, 800, 2400, 5600, 12000]);
    expect(lowRun.failedAt).toBe(24800);
    const high = new ManualClock();
    const highRun = await schedule(high, withJitter(high, 0xff));
    const total = highRun.failedAt;
    expect(total).toBeLessThan(1.2 * 31_000);
    expect(total).toBeGreaterThan(1.2 * 31_000 - 1);
  });

  it('jitter differs between initiators (no lock-step retries)', () => {
    const times = new Set<number>();
    for (const seed of ['x', 'y', 'z']) {
      const clock = new ManualClock();
      const initiator = new Initiator({ clock, peer: R_ADDR, random: seededRandom(seed) });
      initiator.start();
      times.add(initiator.nextDeadline()!);
    }
    expect(times.size).toBe(3);
  });
});

describe('the initiator and unauthenticated replies', () => {
  function started(seed = 'i'): { clock: ManualClock; initiator: Initiator; init: Uint8Array } {
    const clock = new ManualClock();
    const initiator = new Initiator({ clock, peer: R_ADDR, random: seededRandom(seed) });
    const [first] = initiator.start();
    if (first?.kind !== 'send') throw new Error('no INIT');
    return { clock, initiator, init: first.bytes };
  }
  const cookie = (spiI: number, fill = 9): Uint8Array => encodeKx({ kind: 'cookie', spiI, cookie: new Uint8Array(17).fill(fill) });

  it('COOKIE: resends INIT at once echoing it (same SPIi, Ni, g^i); at most 3 times', () => {
    const { initiator, init } = started();
    const first = decodeKx(init);
    for (let round = 1; round <= MAX_COOKIE_ROUNDS; round++) {
      const [again] = initiator.receive(cookie(initiator.spiI, round), R_ADDR);
      expect(again?.kind).toBe('send');
      const msg = again?.kind === 'send' ? decodeKx(again.bytes) : undefined;
      expect(msg).toEqual({ ...first, cookie: new Uint8Array(17).fill(round) });
    }
    expect(initiator.receive(cookie(initiator.spiI), R_ADDR)).toEqual([]);
  });

  it('COOKIE, REFUSE and RESP for another SPIi or from another address are ignored', () => {
    const { initiator } = started();
    expect(initiator.receive(cookie(initiator.spiI ^ 0x100), R_ADDR)).toEqual([]);
    expect(initiator.receive(cookie(initiator.spiI), { ...R_ADDR, port: 4501 })).toEqual([]);
    expect(initiator.receive(cookie(initiator.spiI), { ...R_ADDR, address: '2001:db8:2::21' })).toEqual([]);
    expect(initiator.receive(encodeKx({ kind: 'refuse', spiI: initiator.spiI, reason: 1 }), { ...R_ADDR, port: 1 })).toEqual([]);
    expect(initiator.receive(Uint8Array.of(0, 0, 0, 0, 1), R_ADDR)).toEqual([]); // undecodable
    expect(initiator.state).toBe('waiting');
  });

  it('REFUSE 2 (rate limited) is a hint: retransmission goes on; REFUSE 1 and 3 end the exchange', () => {
    const { initiator } = started();
    expect(initiator.receive(encodeKx({ kind: 'refuse', spiI: initiator.spiI, reason: 2 }), R_ADDR)).toEqual([]);
    expect(initiator.state).toBe('waiting');
    expect(initiator.receive(encodeKx({ kind: 'refuse', spiI: initiator.spiI, reason: 3 }), R_ADDR)).toEqual([
      { kind: 'failed', peer: R_ADDR, spiIn: initiator.spiI, reason: 'version refused' },
    ]);
    expect(initiator.receive(encodeKx({ kind: 'refuse', spiI: initiator.spiI, reason: 1 }), R_ADDR)).toEqual([]);
  });

  it('a RESP whose g^r is a low-order point, or that picks a suite not offered, is ignored', () => {
    const clock = new ManualClock();
    const initiator = new Initiator({ clock, peer: R_ADDR, random: seededRandom('o'), suites: [2] });
    initiator.start();
    const resp = (suite: 1 | 2, gr: Uint8Array): Uint8Array =>
      encodeKx({ kind: 'resp', spiI: initiator.spiI, spiR: 0x4000, nr: new Uint8Array(32), gr, suite, macR: new Uint8Array(32) });
    expect(initiator.receive(resp(2, new Uint8Array(32)), R_ADDR)).toEqual([]);
    expect(initiator.receive(resp(1, new Uint8Array(32).fill(7)), R_ADDR)).toEqual([]);
    expect(initiator.state).toBe('waiting');
  });

  it('start() twice sends once; abandon() stops retransmission silently', async () => {
    const { clock, initiator } = started();
    expect(initiator.start()).toEqual([]);
    initiator.abandon();
    expect(initiator.state).toBe('failed');
    await clock.advance(60_000);
    expect(initiator.tick()).toEqual([]);
    expect(initiator.nextDeadline()).toBeUndefined();
  });

  it('no free SPI after 64 draws: start() fails "no free SPI"', () => {
    const initiator = new Initiator({ clock: new ManualClock(), peer: R_ADDR, random: seededRandom('busy'), spiIsFree: () => false });
    expect(initiator.spiI).toBe(0);
    expect(initiator.start()).toEqual([{ kind: 'failed', peer: R_ADDR, spiIn: 0, reason: 'no free SPI' }]);
  });

  it('picks SPIs ≥ 256 that the node says are free', () => {
    const taken = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const initiator = new Initiator({ clock: new ManualClock(), peer: R_ADDR, random: seededRandom(`spi ${i}`), spiIsFree: (s) => !taken.has(s) && s % 2 === 0 });
      expect(initiator.spiI).toBeGreaterThanOrEqual(256);
      expect(initiator.spiI % 2).toBe(0);
      taken.add(initiator.spiI);
    }
  });
});
