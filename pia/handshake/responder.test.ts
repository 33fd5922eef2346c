import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { Initiator } from './initiator.js';
import { X25519KeyPair } from './key-schedule.js';
import { decodeKx, encodeKx, type KxInit } from './messages.js';
import { MAX_RESP_RESENDS, Responder, RESPONDER_DEFAULTS } from './responder.js';
import { establishedKeys, runPair, seededRandom, I_ADDR, R_ADDR } from './test-support/index.js';
import type { KxAction } from './types.js';

const gi = new X25519KeyPair(new Uint8Array(32).fill(0x33)).publicKey;

/** An INIT as a spoofing flooder would send it: fresh SPIi and Ni, any g^i, no cookie. */
function floodInit(n: number): Uint8Array {
  const ni = new Uint8Array(32);
  new DataView(ni.buffer).setUint32(0, n);
  return encodeKx({ kind: 'init', spiI: 0x10000 + n, ni, gi, suites: [1, 2], cookie: new Uint8Array(0) });
}

/** A source address no two calls share: spread over many /64s so the prefix limit is not what stops them. */
const spoofed = (n: number): { address: string; port: number } => ({ address: `2001:db8:${(n >> 8).toString(16)}:${(n & 0xff).toString(16)}::1`, port: 1024 + (n % 50000) });

const kinds = (actions: readonly KxAction[]): string[] => actions.map((a) => (a.kind === 'send' ? `send ${a.message}` : a.kind));

describe('cookies under load (docs/protocol.md §5, RFC 7296 §2.6)', () => {
  it('above 16 half-open exchanges a flood of spoofed INITs gets COOKIEs and no state; a real peer echoing its cookie completes', async () => {
    const clock = new ManualClock();
    const responder = new Responder({ clock, random: seededRandom('flood') });
    for (let n = 0; n < RESPONDER_DEFAULTS.cookieThreshold; n++) {
      expect(kinds(responder.receive(floodInit(n), spoofed(n)))).toEqual(['send resp', 'provisional']);
    }
    expect(responder.halfOpen).toBe(16);
    for (let n = 16; n < 6_016; n++) {
      const actions = responder.receive(floodInit(n), spoofed(n));
      expect(actions.length).toBe(1);
      expect(actions[0]?.kind === 'send' && actions[0].message).toBe('cookie');
    }
    // no state kept for any of them: the table did not grow, the rate limiter is bounded
    expect(responder.exchanges).toBe(16);
    expect(responder.halfOpen).toBe(16);
    expect(responder.counters.cookiesSent).toBe(6_000);
    expect(responder.rateLimiterSize.addresses).toBeLessThanOrEqual(4096);
    expect(responder.rateLimiterSize.prefixes).toBeLessThanOrEqual(1024);

    const initiator = new Initiator({ clock, peer: R_ADDR, random: seededRandom('legit') });
    const log = await runPair(clock, initiator, responder, { untilMs: 5_000 });
    expect(log.wire.map((d) => d.message)).toEqual(['init', 'cookie', 'init', 'resp', 'confirm']);
    expect(establishedKeys(log.initiator).length).toBe(1);
    expect(establishedKeys(log.responder).length).toBe(1);
  });

  it('a cookie made for one source does not admit another, nor another SPIi', () => {
    const clock = new ManualClock();
    const responder = new Responder({ clock, random: seededRandom('bind'), cookieThreshold: 0 });
    const [reply] = responder.receive(floodInit(1), I_ADDR);
    const msg = reply?.kind === 'send' ? decodeKx(reply.bytes) : undefined;
    if (msg?.kind !== 'cookie') throw new Error('expected a COOKIE');
    const withCookie = (spiI: number): Uint8Array => encodeKx({ ...(decodeKx(floodInit(1)) as KxInit), spiI, cookie: msg.cookie });
    expect(kinds(responder.receive(withCookie(0x10001), { ...I_ADDR, port: 4501 }))).toEqual(['send cookie']);
    expect(kinds(responder.receive(withCookie(0x10002), I_ADDR))).toEqual(['send cookie']);
    expect(kinds(responder.receive(withCookie(0x10001), I_ADDR))).toEqual(['send resp', 'provisional']);
  });

  it('below the threshold a cookie is neither needed nor checked', () => {
    const responder = new Responder({ clock: new ManualClock(), random: seededRandom('below') });
    const bogus = encodeKx({ ...(decodeKx(floodInit(5)) as KxInit), cookie: new Uint8Array(17).fill(1) });
    expect(kinds(responder.receive(bogus, I_ADDR))).toEqual(['send resp', 'provisional']);
  });
});

describe('responder limits', () => {
  it('rate limit: 50 unproven INITs/s from one address get a RESP, the rest a COOKIE and no state', async () => {
    const clock = new ManualClock();
    const responder = new Responder({ clock, random: seededRandom('rate'), cookieThreshold: 10_000 });
    const answers = Array.from({ length: 80 }, (_, n) => kinds(responder.receive(floodInit(n), I_ADDR)).join(','));
    expect(answers.filter((a) => a === 'send resp,provisional').length).toBe(50);
    expect(answers.filter((a) => a === 'send cookie').length).toBe(30);
    expect(responder.counters.cookiesOverLimit).toBe(30);
    expect(responder.exchanges).toBe(50);
    await clock.advance(100);
    expect(kinds(responder.receive(floodInit(500), I_ADDR))).toEqual(['send resp', 'provisional']);
  });

  it('rate limit: proven INITs spend buckets of their own (a spoofer cannot drain them); over those: dropped', () => {
    const clock = new ManualClock();
    const responder = new Responder({ clock, random: seededRandom('proven'), cookieThreshold: 0 });
    const proven = (n: number): Uint8Array => {
      const [reply] = responder.receive(floodInit(n), I_ADDR);
      const msg = reply?.kind === 'send' ? decodeKx(reply.bytes) : undefined;
      if (msg?.kind !== 'cookie') throw new Error('expected a COOKIE');
      return encodeKx({ ...(decodeKx(floodInit(n)) as KxInit), cookie: msg.cookie });
    };
    // a spoofer floods from the same address: 1,000 unproven INITs, each answered with a COOKIE
    for (let n = 0; n < 1000; n++) expect(kinds(responder.receive(floodInit(10_000 + n), I_ADDR))).toEqual(['send cookie']);
    const answers = Array.from({ length: 60 }, (_, n) => kinds(responder.receive(proven(n), I_ADDR)).join(','));
    expect(answers.filter((a) => a === 'send resp,provisional').length).toBe(50);
    expect(answers.filter((a) => a === '').length).toBe(10);
    expect(responder.counters.rateLimited).toBe(10);
  });

  it('rate limit: one /64 gets 200 unproven INITs/s in all, whatever the addresses; the rest must prove theirs', () => {
    const responder = new Responder({ clock: new ManualClock(), random: seededRandom('prefix'), cookieThreshold: 10_000 });
    const answers = Array.from({ length: 1000 }, (_, n) => kinds(responder.receive(floodInit(n), { address: `2001:db8:0:7::${(n + 1).toString(16)}`, port: 9 })).join(','));
    expect(answers.filter((a) => a === 'send resp,provisional').length).toBe(200);
    expect(answers.filter((a) => a === 'send cookie').length).toBe(800);
  });

  it('the same INIT is answered with the same RESP at most MAX_RESP_RESENDS times', () => {
    const responder = new Responder({ clock: new ManualClock(), random: seededRandom('dup') });
    const init = floodInit(3);
    const first = responder.receive(init, I_ADDR);
    const resp = first[0]?.kind === 'send' ? first[0].bytes : undefined;
    for (let k = 0; k < MAX_RESP_RESENDS; k++) expect(responder.receive(init, I_ADDR)).toEqual([{ kind: 'send', to: I_ADDR, bytes: resp, message: 'resp' }]);
    expect(responder.receive(init, I_ADDR)).toEqual([]);
    expect(responder.counters.duplicatesDropped).toBe(1);
  });

  it('at most maxExchanges are held; beyond that INITs are dropped', () => {
    const responder = new Responder({ clock: new ManualClock(), random: seededRandom('full'), cookieThreshold: 10_000, maxExchanges: 40 });
    for (let n = 0; n < 60; n++) responder.receive(floodInit(n), spoofed(n));
    expect(responder.exchanges).toBe(40);
    expect(responder.counters.full).toBe(20);
  });

  it('a low-order g^i is dropped (Z would be zero, RFC 7748 §6.1)', () => {
    const responder = new Responder({ clock: new ManualClock(), random: seededRandom('low') });
    const init = encodeKx({ kind: 'init', spiI: 0x5000, ni: new Uint8Array(32), gi: new Uint8Array(32), suites: [1], cookie: new Uint8Array(0) });
    expect(responder.receive(init, I_ADDR)).toEqual([]);
    expect(responder.counters.lowOrder).toBe(1);
    expect(responder.exchanges).toBe(0);
  });

  it('SPIr is ≥ 256, free for the node, and not held by another exchange', () => {
    const responder = new Responder({ clock: new ManualClock(), random: seededRandom('spi'), cookieThreshold: 1000, spiIsFree: (s) => s % 3 === 0 });
    const spis = new Set<number>();
    for (let n = 0; n < 100; n++) {
      const p = responder.receive(floodInit(n), spoofed(n)).find((a) => a.kind === 'provisional');
      const spi = p?.kind === 'provisional' ? p.keys.spiR : 0;
      expect(spi).toBeGreaterThanOrEqual(256);
      expect(spi % 3).toBe(0);
      expect(responder.holdsSpi(spi)).toBe(true);
      spis.add(spi);
    }
    expect(spis.size).toBe(100);
    const none = new Responder({ clock: new ManualClock(), random: seededRandom('none'), spiIsFree: () => false });
    expect(none.receive(floodInit(1), I_ADDR)).toEqual([]);
    expect(none.counters.noSpi).toBe(1);
  });

  it('undecodable datagrams and messages meant for an initiator are ignored', () => {
    const responder = new Responder({ clock: new ManualClock(), random: seededRandom('junk') });
    expect(responder.receive(Uint8Array.of(0, 0, 0, 0, 1, 1), I_ADDR)).toEqual([]);
    expect(responder.receive(encodeKx({ kind: 'refuse', spiI: 300, reason: 1 }), I_ADDR)).toEqual([]);
    expect(responder.counters.undecodable).toBe(1);
  });
});

describe('half-open lifetime', () => {
  it('a half-open exchange expires after 10 s: failed "unconfirmed", its SPI released, a late CONFIRM ignored', async () => {
    const clock = new ManualClock();
    const responder = new Responder({ clock, random: seededRandom('expire') });
    const initiator = new Initiator({ clock, peer: R_ADDR, random: seededRandom('expire/i') });
    const [init] = initiator.start();
    const [resp, prov] = responder.receive(init?.kind === 'send' ? init.bytes : new Uint8Array(0), I_ADDR);
    const spiR = prov?.kind === 'provisional' ? prov.keys.spiR : 0;
    expect(responder.nextDeadline()).toBe(10_000);
    const [confirm] = initiator.receive(resp?.kind === 'send' ? resp.bytes : new Uint8Array(0), R_ADDR);
    await clock.advance(9_999);
    expect(responder.tick()).toEqual([]);
    await clock.advance(1);
    expect(responder.tick()).toEqual([{ kind: 'failed', peer: I_ADDR, spiIn: spiR, reason: 'unconfirmed' }]);
    expect(responder.holdsSpi(spiR)).toBe(false);
    expect(responder.halfOpen).toBe(0);
    expect(responder.receive(confirm?.kind === 'send' ? confirm.bytes : new Uint8Array(0), I_ADDR)).toEqual([]);
    expect(responder.confirmedByEsp(spiR)).toEqual([]);
    expect(responder.nextDeadline()).toBeUndefined();
  });

  it('a different INIT from the same source and SPIi replaces a half-open exchange (reported superseded)', () => {
    const responder = new Responder({ clock: new ManualClock(), random: seededRandom('supersede') });
    const first = responder.receive(floodInit(1), I_ADDR);
    const firstSpi = first[1]?.kind === 'provisional' ? first[1].keys.spiR : 0;
    const changed = encodeKx({ ...(decodeKx(floodInit(1)) as KxInit), suites: [2] });
    const second = responder.receive(changed, I_ADDR);
    expect(kinds(second)).toEqual(['failed', 'send resp', 'provisional']);
    expect(second[0]).toEqual({ kind: 'failed', peer: I_ADDR, spiIn: firstSpi, reason: 'superseded' });
    expect(responder.exchanges).toBe(1);
    expect(responder.halfOpen).toBe(1);
  });
});
