/**
 * Whole exchanges between an Initiator and a Responder wired in memory (test-support/wire.ts):
 * agreement, negotiation, tampering in flight, a man in the middle, replays.
 */
import { inspect } from 'node:util';
import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { SuiteId } from '../suites-ids.js';
import { Initiator } from './initiator.js';
import { X25519KeyPair, deriveSession, transcriptHash } from './key-schedule.js';
import { decodeKx, encodeKx, transcriptPart, type KxConfirm, type KxInit, type KxResp } from './messages.js';
import { Responder } from './responder.js';
import { establishedKeys, flipBit, hex, runPair, seededRandom, I_ADDR, R_ADDR, type Datagram } from './test-support/index.js';
import type { KxAction, NegotiatedKeys } from './types.js';

function pair(seed: string, opts: { iSuites?: readonly SuiteId[]; rSuites?: readonly SuiteId[] } = {}): { clock: ManualClock; initiator: Initiator; responder: Responder } {
  const clock = new ManualClock();
  return {
    clock,
    initiator: new Initiator({ clock, peer: R_ADDR, random: seededRandom(`${seed}/i`), ...(opts.iSuites ? { suites: opts.iSuites } : {}) }),
    responder: new Responder({ clock, random: seededRandom(`${seed}/r`), ...(opts.rSuites ? { suites: opts.rSuites } : {}) }),
  };
}

function expectSameKeys(i: NegotiatedKeys, r: NegotiatedKeys): void {
  expect(i.role).toBe('initiator');
  expect(r.role).toBe('responder');
  expect(hex(i.transcript)).toBe(hex(r.transcript));
  expect(i.i2r.equals(r.i2r)).toBe(true);
  expect(i.r2i.equals(r.r2i)).toBe(true);
  expect(i.i2r.equals(i.r2i)).toBe(false);
  expect([i.suite, i.spiI, i.spiR]).toEqual([r.suite, r.spiI, r.spiR]);
  // what one seals the other opens, to the SPI the other receives on
  expect(i.outbound.equals(r.inbound)).toBe(true);
  expect(r.outbound.equals(i.inbound)).toBe(true);
  expect([i.spiOut, r.spiOut]).toEqual([r.spiIn, i.spiIn]);
}

const provisional = (actions: readonly KxAction[]): NegotiatedKeys[] => actions.flatMap((a) => (a.kind === 'provisional' ? [a.keys] : []));

describe('a full exchange in memory', () => {
  it('both sides derive the same keys and T; R reports provisional keys, then established on CONFIRM', async () => {
    const { clock, initiator, responder } = pair('full');
    const log = await runPair(clock, initiator, responder);
    expect(log.wire.map((d) => d.message)).toEqual(['init', 'resp', 'confirm']);
    for (const d of log.wire) expect(d.bytes.length).toBeLessThan(1280);
    const [iKeys] = establishedKeys(log.initiator);
    const [rKeys] = establishedKeys(log.responder);
    expectSameKeys(iKeys!, rKeys!);
    expect(provisional(log.responder)).toEqual([rKeys]);
    expect(log.responder.map((a) => a.kind)).toEqual(['send', 'provisional', 'established']);
    expect(iKeys!.peer).toEqual(R_ADDR);
    expect(rKeys!.peer).toEqual(I_ADDR);
    expect(initiator.state).toBe('established');
    expect(responder.halfOpen).toBe(0);
  });

  it('suite negotiation (suite-choice.ts): the responder prefers, an initiator putting ChaCha20-Poly1305 first gets it', async () => {
    const cases: [SuiteId[], SuiteId[], SuiteId][] = [
      [[1, 2], [1, 2], 1],
      [[2, 1], [1, 2], 2],
      [[1, 2], [2, 1], 2],
      [[2, 1], [1], 1],
      [[1], [2, 1], 1],
    ];
    for (const [iSuites, rSuites, want] of cases) {
      const { clock, initiator, responder } = pair(`suites ${iSuites.join()}`, { iSuites, rSuites });
      await runPair(clock, initiator, responder);
      expect(initiator.keys?.suite).toBe(want);
    }
  });

  it('no common suite: REFUSE 1, no state kept at R, I fails "no common suite"', async () => {
    const { clock, initiator, responder } = pair('refuse', { iSuites: [2], rSuites: [1] });
    const log = await runPair(clock, initiator, responder);
    expect(log.wire.map((d) => d.message)).toEqual(['init', 'refuse']);
    expect(decodeKx(log.wire[1]!.bytes)).toMatchObject({ kind: 'refuse', reason: 1, spiI: initiator.spiI });
    expect(log.initiator.at(-1)).toMatchObject({ kind: 'failed', reason: 'no common suite' });
    expect(responder.exchanges).toBe(0);
  });

  it('suite ids R does not know are skipped', () => {
    const { responder } = pair('unknown suites');
    const gi = new X25519KeyPair(new Uint8Array(32).fill(3)).publicKey;
    const init = encodeKx({ kind: 'init', spiI: 0x1000, ni: new Uint8Array(32).fill(1), gi, suites: [9, 200, 2, 1], cookie: new Uint8Array(0) });
    const [resp] = responder.receive(init, I_ADDR);
    expect(resp?.kind === 'send' && decodeKx(resp.bytes)).toMatchObject({ kind: 'resp', suite: 2 });
  });
});

/** Runs one exchange in which the first datagram of kind `message` has bit `bit` of byte `at` flipped. */
async function tamperedRun(message: string, at: number, bit: number): Promise<{ i: NegotiatedKeys[]; r: NegotiatedKeys[]; rProvisional: NegotiatedKeys[]; initiator: Initiator; responder: Responder }> {
  const { clock, initiator, responder } = pair(`tamper ${message} ${at}`);
  let done = false;
  const intercept = (d: Datagram): Datagram => {
    if (done || d.message !== message) return d;
    done = true;
    return { ...d, bytes: flipBit(d.bytes, at, bit) };
  };
  const log = await runPair(clock, initiator, responder, { intercept });
  return { i: establishedKeys(log.initiator), r: establishedKeys(log.responder), rProvisional: provisional(log.responder), initiator, responder };
}

describe('tampering in flight', () => {
  const sizes = { init: 84, resp: 113, confirm: 80 } as const;

  it('any flipped bit in INIT or RESP: the tampered message is ignored and a retransmission completes with equal keys', async () => {
    for (const message of ['init', 'resp'] as const) {
      for (let at = 0; at < sizes[message]; at++) {
        const bit = at % 8;
        const run = await tamperedRun(message, at, bit);
        expect(run.i.length, `${message} byte ${at}`).toBe(1);
        expect(run.r.length, `${message} byte ${at}`).toBe(1);
        expectSameKeys(run.i[0]!, run.r[0]!);
      }
    }
  }, 60_000);

  it('any flipped bit in CONFIRM (flags included: v1 requires 0): R does not confirm; I holds the keys R offered; a verified ESP packet then confirms them', async () => {
    for (let at = 0; at < sizes.confirm; at++) {
      const run = await tamperedRun('confirm', at, (at * 3) % 8);
      expect(run.i.length, `byte ${at}`).toBe(1);
      expect(run.r.length, `byte ${at} bit ${(at * 3) % 8}`).toBe(0);
      // R's half-open exchange expired (runPair ran its timers): the SA never became usable
      expect(run.responder.counters.expired).toBe(1);
      expectSameKeys(run.i[0]!, run.rProvisional[0]!);
    }
    // within the half-open lifetime, an ESP packet verified under i→r confirms instead
    const { clock, initiator, responder } = pair('esp confirms');
    const log = await runPair(clock, initiator, responder, { intercept: (d) => (d.message === 'confirm' ? undefined : d), untilMs: 5_000 });
    const spiR = initiator.keys!.spiR;
    expect(establishedKeys(log.responder)).toEqual([]);
    const confirmed = establishedKeys(responder.confirmedByEsp(spiR));
    expectSameKeys(initiator.keys!, confirmed[0]!);
    expect(responder.confirmedByEsp(spiR)).toEqual([]);
  }, 60_000);
});

describe('a man in the middle who substitutes g^i and g^r', () => {
  it('completes with both sides (phase 2 is unauthenticated) but T differs, so phase 3 catches it', async () => {
    const { clock, initiator, responder } = pair('mitm');
    const m1 = new X25519KeyPair(new Uint8Array(32).fill(0x11)); // faces R
    const m2 = new X25519KeyPair(new Uint8Array(32).fill(0x22)); // faces I
    let initToR: Uint8Array | undefined;
    let init: KxInit | undefined;
    let respToI: Uint8Array | undefined;
    let sessionWithI: ReturnType<typeof deriveSession> | undefined;
    let sessionWithR: ReturnType<typeof deriveSession> | undefined;
    let tI: Uint8Array = new Uint8Array(0);
    let tR: Uint8Array = new Uint8Array(0);
    const intercept = (d: Datagram): Datagram => {
      const msg = decodeKx(d.bytes);
      if (msg.kind === 'init') {
        init = msg;
        initToR = encodeKx({ ...msg, gi: m1.publicKey });
        return { ...d, bytes: initToR };
      }
      if (msg.kind === 'resp' && init !== undefined && initToR !== undefined) {
        const fromR: KxResp = msg;
        tR = transcriptHash(transcriptPart(initToR), transcriptPart(d.bytes).subarray(0, -32));
        sessionWithR = deriveSession(m1.sharedSecret(fromR.gr)!, init.ni, fromR.nr, tR);
        const unsigned = encodeKx({ ...fromR, gr: m2.publicKey, macR: new Uint8Array(32) });
        tI = transcriptHash(transcriptPart(encodeKx(init)), transcriptPart(unsigned).subarray(0, -32));
        sessionWithI = deriveSession(m2.sharedSecret(init.gi)!, init.ni, fromR.nr, tI);
        respToI = unsigned;
        respToI.set(sessionWithI.macR(tI), respToI.length - 32);
        return { ...d, bytes: respToI };
      }
      if (msg.kind === 'confirm' && sessionWithR !== undefined) {
        const c: KxConfirm = msg;
        return { ...d, bytes: encodeKx({ ...c, macI: sessionWithR.macI(tR) }) };
      }
      return d;
    };
    const log = await runPair(clock, initiator, responder, { intercept });
    const [iKeys] = establishedKeys(log.initiator);
    const [rKeys] = establishedKeys(log.responder);
    expect(iKeys && rKeys).toBeTruthy();
    expect(hex(iKeys!.transcript)).not.toBe(hex(rKeys!.transcript));
    expect(hex(iKeys!.transcript)).toBe(hex(tI));
    expect(hex(rKeys!.transcript)).toBe(hex(tR));
    // the attacker holds each side's keys, and the two sides share none
    expect(iKeys!.i2r.equals(sessionWithI!.i2r)).toBe(true);
    expect(rKeys!.i2r.equals(sessionWithR!.i2r)).toBe(true);
    expect(iKeys!.i2r.equals(rKeys!.i2r)).toBe(false);
  });
});

describe('replays and duplicates', () => {
  it('a duplicate RESP makes I resend the same CONFIRM, and yields no second established', async () => {
    const { clock, initiator, responder } = pair('dup resp');
    const log = await runPair(clock, initiator, responder, { untilMs: 5_000 });
    const resp = log.wire.find((d) => d.message === 'resp')!;
    const confirm = log.wire.find((d) => d.message === 'confirm')!;
    const again = initiator.receive(resp.bytes, R_ADDR);
    expect(again).toEqual([{ kind: 'send', to: R_ADDR, bytes: confirm.bytes, message: 'confirm' }]);
    expect(establishedKeys(responder.receive(confirm.bytes, I_ADDR))).toEqual([]);
    expect(responder.counters.duplicateConfirms).toBe(1);
  });

  it('a RESP or CONFIRM from an earlier exchange is ignored by a later one', async () => {
    const clock = new ManualClock();
    const responder = new Responder({ clock, random: seededRandom('replay/r') });
    const first = new Initiator({ clock, peer: R_ADDR, random: seededRandom('replay/i1') });
    const old = await runPair(clock, first, responder);
    const oldResp = old.wire.find((d) => d.message === 'resp')!.bytes;
    const oldConfirm = old.wire.find((d) => d.message === 'confirm')!.bytes;
    // R has forgotten the first exchange (runPair ran its timers past 10 s)
    expect(responder.exchanges).toBe(0);
    expect(responder.receive(oldConfirm, I_ADDR)).toEqual([]);
    expect(responder.counters.unknownConfirms).toBe(1);

    const second = new Initiator({ clock, peer: R_ADDR, random: seededRandom('replay/i2') });
    second.start();
    expect(second.receive(oldResp, R_ADDR)).toEqual([]); // another SPIi
    const oldMsg = decodeKx(oldResp) as KxResp;
    const retargeted = encodeKx({ ...oldMsg, spiI: second.spiI });
    expect(second.receive(retargeted, R_ADDR)).toEqual([]); // MAC_R over another T
    expect(second.state).toBe('waiting');
  });

  it('a duplicate INIT gets the very same RESP and creates nothing', () => {
    const { initiator, responder } = pair('dup init');
    const [init] = initiator.start();
    const first = responder.receive((init as { bytes: Uint8Array }).bytes, I_ADDR);
    const second = responder.receive((init as { bytes: Uint8Array }).bytes, I_ADDR);
    expect(second).toEqual([first[0]]);
    expect(responder.exchanges).toBe(1);
    expect(responder.counters.duplicateInits).toBe(1);
  });
});

describe('secrets stay out of strings', () => {
  it('inspecting or serializing the machines and the keys shows no key material', async () => {
    const { clock, initiator, responder } = pair('secrets');
    const log = await runPair(clock, initiator, responder, { untilMs: 5_000 });
    const keys = establishedKeys(log.initiator)[0]!;
    const secrets = [keys.i2r.key, keys.r2i.key, keys.i2r.salt].map((b) => hex(b));
    const texts = [
      inspect(initiator, { showHidden: true, depth: 10 }),
      inspect(responder, { showHidden: true, depth: 10 }),
      inspect(log, { depth: 10 }),
      JSON.stringify(keys),
      String(keys.i2r),
    ];
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
    expect(JSON.stringify(keys)).toContain('[redacted]');
  });
});
