/**
 * Factory enrollment (§9.8): a station's sealed request, the server's checks in order, an
 * idempotent decision, and the sealed result; nothing accepted from an unauthenticated caller.
 */
import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { PiaDecodeError } from '../errors.js';
import { ManualClock } from '../../common/index.js';
import { hex, seededRandom } from '../handshake/test-support/index.js';
import { enrollAad, enrollKey, seal } from './crypto.js';
import { openEnrollRequest, openEnrollResult, sealEnrollRequest, serveEnroll, type EnrollDecide, type EnrollAuditRecord } from './enroll.js';
import { decodeEnrollError, decodeEnrollRequest, decodeEnrollResult, encodeEnrollRequest, type EnrollRequest } from './enroll-json.js';
import { decodeP3, encodeP3 } from './messages.js';
import { nodeIdToText } from './node-id.js';
import { VouchRateLimiter } from './rate-limit.js';
import { TestRegistry, type TestNode } from './test-support/index.js';

const T = new Uint8Array(32).fill(0x5a);

/** The server's decision as the store would make it: idempotent per ID / requestId. */
function memoryDecide(): { decide: EnrollDecide; stored: Map<string, Uint8Array> } {
  const stored = new Map<string, Uint8Array>();
  const generated = new Map<string, { id: Uint8Array; key: Uint8Array }>();
  const random = seededRandom('generated');
  const decide: EnrollDecide = (_station, r) => {
    if (r.op === 'register') {
      const known = stored.get(hex(r.id));
      if (known === undefined) stored.set(hex(r.id), Uint8Array.from(r.key));
      else if (Buffer.compare(known, r.key) !== 0) return { status: 'denied', reason: 9, text: `node ${nodeIdToText(r.id)} is registered with a different key` };
      return { status: 'enrolled', result: { id: r.id, created: known === undefined } };
    }
    const seen = generated.get(r.requestId);
    const made = seen ?? { id: random.bytes(16), key: random.bytes(32) };
    generated.set(r.requestId, made);
    return { status: 'enrolled', result: { id: made.id, key: made.key, created: seen === undefined } };
  };
  return { decide, stored };
}

function server(reg: TestRegistry, o: { limiter?: VouchRateLimiter } = {}): { serve: (p: Uint8Array, t?: Uint8Array) => Promise<Uint8Array | undefined>; audit: EnrollAuditRecord[]; stored: Map<string, Uint8Array> } {
  const { decide, stored } = memoryDecide();
  const audit: EnrollAuditRecord[] = [];
  const deps = {
    lookupNode: (id: Uint8Array) => reg.lookup(id),
    decide,
    audit: (r: EnrollAuditRecord) => void audit.push(r),
    random: seededRandom('enroll server'),
    ...(o.limiter === undefined ? {} : { rateLimiter: o.limiter }),
  };
  return { serve: (p, t = T) => serveEnroll(p, { key: 'station-sa', transcript: t }, deps), audit, stored };
}

const register = (id: Uint8Array, key: Uint8Array): EnrollRequest => ({ op: 'register', id, key, label: 'board-0001', kind: 'gateway' });

async function ask(station: TestNode, request: EnrollRequest, serve: (p: Uint8Array) => Promise<Uint8Array | undefined>, seed = 's') {
  const { payload, nE } = await sealEnrollRequest(station, T, request, seededRandom(seed));
  const answer = await serve(payload);
  return { payload, answer, outcome: answer === undefined ? undefined : await openEnrollResult(answer, station, T, nE) };
}

describe('enrollment', () => {
  it('register: created, then idempotent; a different key for the same ID is refused (9) and audited', async () => {
    const reg = new TestRegistry();
    const station = reg.add('station', 'line-3');
    const s = server(reg);
    const board = { id: new Uint8Array(16).fill(0x42), key: new Uint8Array(32).fill(0x17) };
    expect((await ask(station, register(board.id, board.key), s.serve, 'a')).outcome).toMatchObject({ status: 'enrolled', result: { created: true } });
    expect((await ask(station, register(board.id, board.key), s.serve, 'b')).outcome).toMatchObject({ status: 'enrolled', result: { created: false } });
    expect((await ask(station, register(board.id, new Uint8Array(32).fill(0x18)), s.serve, 'c')).outcome).toMatchObject({ status: 'denied', reason: 9, authentic: true });
    expect(s.audit.map((r) => `${r.event}:${r.created ?? r.reason}`)).toEqual(['node-enrolled:true', 'node-enrolled:false', 'enroll-denied:9']);
    expect(JSON.stringify(s.audit)).not.toContain('1717171717');
    expect(hex(s.stored.get(hex(board.id))!)).toBe('17'.repeat(32));
  });

  it('generate: the server makes ID and key; a retry with the same requestId gets the same ones', async () => {
    const reg = new TestRegistry();
    const station = reg.add('station', 'line-3');
    const s = server(reg);
    const request: EnrollRequest = { op: 'generate', requestId: '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f', label: 'board-0002', kind: 'gateway' };
    const first = (await ask(station, request, s.serve, 'g1')).outcome;
    const again = (await ask(station, request, s.serve, 'g2')).outcome;
    if (first?.status !== 'enrolled' || again?.status !== 'enrolled') throw new Error('not enrolled');
    expect(first.result.key).toHaveLength(32);
    expect(hex(again.result.key!)).toBe(hex(first.result.key!));
    expect([first.result.created, again.result.created]).toEqual([true, false]);
  });

  it('nothing from an unauthenticated caller: unknown (10), wrong key (3), not a station (10), revoked (10)', async () => {
    const reg = new TestRegistry();
    const board = register(new Uint8Array(16).fill(1), new Uint8Array(32).fill(2));
    const s = server(reg);
    const ghost = reg.add('station', 'ghost', false);
    expect((await ask(ghost, board, s.serve)).outcome).toEqual({ status: 'denied', reason: 10, text: '', authentic: false });
    const station = reg.add('station', 'line-3');
    const impostor = { ...reg.add('station', 'x', false), id: station.id };
    expect((await ask(impostor, board, s.serve)).outcome).toEqual({ status: 'denied', reason: 3, text: '', authentic: false });
    const gw = reg.add('gateway', 'a gateway');
    expect((await ask(gw, board, s.serve)).outcome).toMatchObject({ status: 'denied', reason: 10, authentic: true, text: expect.stringMatching(/is a gateway, not a station/) });
    reg.revoke(station);
    expect((await ask(station, board, s.serve)).outcome).toMatchObject({ status: 'denied', reason: 10, authentic: true });
    expect(s.stored.size).toBe(0);
    expect(s.audit.map((r) => r.reason)).toEqual([10, 3, 10, 10]);
  });

  it('a request sealed over another T (a man in the middle of the phase-2 SA) is refused (3)', async () => {
    const reg = new TestRegistry();
    const station = reg.add('station', 'line-3');
    const s = server(reg);
    const { payload } = await sealEnrollRequest(station, T, register(new Uint8Array(16).fill(1), new Uint8Array(32).fill(2)), seededRandom('m'));
    const answer = await s.serve(payload, new Uint8Array(32).fill(0x5b));
    expect(decodeP3(answer!)).toMatchObject({ kind: 'enroll-result', status: 1, reason: 3 });
    expect(s.stored.size).toBe(0);
  });

  it('malformed JSON inside a good seal → 9, sealed; an undecodable ENROLL → no answer', async () => {
    const reg = new TestRegistry();
    const station = reg.add('station', 'line-3');
    const s = server(reg);
    const nE = new Uint8Array(32).fill(3);
    const w = await enrollKey(station.key, 'I', T, nE);
    const sealed = seal(w, enrollAad('I', station.id, T, nE), new Uint8Array(Buffer.from('{"op":"register","kind":"server"}')), seededRandom('j'));
    const answer = await s.serve(encodeP3({ kind: 'enroll', nE, idE: station.id, sealed }));
    expect(await openEnrollResult(answer!, station, T, nE)).toMatchObject({ status: 'denied', reason: 9, authentic: true, text: expect.stringMatching(/kind|label/) });
    expect(await s.serve(Uint8Array.of(1, 21, 0))).toBeUndefined();
  });

  it('a result for another N_E, or tampered, is not accepted by the station', async () => {
    const reg = new TestRegistry();
    const station = reg.add('station', 'line-3');
    const s = server(reg);
    const { payload, nE } = await sealEnrollRequest(station, T, register(new Uint8Array(16).fill(1), new Uint8Array(32).fill(2)), seededRandom('n'));
    const answer = (await s.serve(payload))!;
    expect(await openEnrollResult(answer, station, T, new Uint8Array(32))).toBeUndefined();
    const tampered = Uint8Array.from(answer);
    tampered[tampered.length - 1]! ^= 1;
    expect(await openEnrollResult(tampered, station, T, nE)).toBeUndefined();
    expect(await openEnrollResult(answer, station, T, nE)).toMatchObject({ status: 'enrolled' });
  });

  it('rate limited per station ID → 7, unsealed, not audited', async () => {
    const reg = new TestRegistry();
    const station = reg.add('station', 'line-3');
    const s = server(reg, { limiter: new VouchRateLimiter(new ManualClock(), { perIdPerSecond: 1 }) });
    const board = register(new Uint8Array(16).fill(1), new Uint8Array(32).fill(2));
    expect((await ask(station, board, s.serve, 'r1')).outcome).toMatchObject({ status: 'enrolled' });
    expect((await ask(station, board, s.serve, 'r2')).outcome).toEqual({ status: 'denied', reason: 7, text: '', authentic: false });
    expect(s.audit).toHaveLength(1);
  });
});

describe('enrollment helpers', () => {
  it('openEnrollRequest: the request, undefined for a seal that does not open, PiaDecodeError for bad JSON', async () => {
    const reg = new TestRegistry();
    const station = reg.add('station', 'line-3');
    const request = register(new Uint8Array(16).fill(1), new Uint8Array(32).fill(2));
    const msg = decodeP3((await sealEnrollRequest(station, T, request, seededRandom('h'))).payload);
    if (msg.kind !== 'enroll') throw new Error('not an ENROLL');
    expect(await openEnrollRequest(msg, station.key, T)).toMatchObject({ op: 'register', label: 'board-0001' });
    expect(await openEnrollRequest(msg, reg.add('station', 'other').key, T)).toBeUndefined();
    const nE = new Uint8Array(32).fill(4);
    const w = await enrollKey(station.key, 'I', T, nE);
    const junk = { kind: 'enroll' as const, nE, idE: station.id, sealed: seal(w, enrollAad('I', station.id, T, nE), Uint8Array.of(0x7b, 0x7d), seededRandom('k')) };
    await expect(openEnrollRequest(junk, station.key, T)).rejects.toThrow(PiaDecodeError);
  });

  it('the request JSON refuses a zero ID, a bad key, a long label and other kinds', () => {
    const ok = { op: 'register' as const, id: new Uint8Array(16).fill(1), key: new Uint8Array(32).fill(2), label: 'board-0001', kind: 'gateway' as const };
    expect(decodeEnrollRequest(encodeEnrollRequest(ok))).toMatchObject({ op: 'register', kind: 'gateway' });
    expect(() => encodeEnrollRequest({ ...ok, id: new Uint8Array(16) })).toThrow(/all-zero/);
    expect(() => encodeEnrollRequest({ ...ok, label: 'x'.repeat(65) })).toThrow(/label must be 1–64/);
    const json = (o: object): Uint8Array => new Uint8Array(Buffer.from(JSON.stringify(o)));
    const base = { op: 'register', id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', key: Buffer.alloc(32, 1).toString('base64'), label: 'b', kind: 'gateway' };
    expect(() => decodeEnrollRequest(json({ ...base, kind: 'station' }))).toThrow(/"gateway" or "operator"/);
    expect(() => decodeEnrollRequest(json({ ...base, key: Buffer.alloc(31).toString('base64') }))).toThrow(/base64 of 32 bytes/);
    expect(() => decodeEnrollRequest(json({ ...base, label: 'a\nb' }))).toThrow(/control characters/);
  });

  it('the JSON decoders throw only PiaDecodeError whatever they get', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.json().map((j) => new Uint8Array(Buffer.from(j)))), (input) => {
        for (const decode of [decodeEnrollRequest, decodeEnrollResult, decodeEnrollError]) {
          try {
            decode(input);
          } catch (err) {
            if (!(err instanceof PiaDecodeError)) throw err;
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
