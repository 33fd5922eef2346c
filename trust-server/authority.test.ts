/** What the trusted server decides (docs/protocol.md §9.5, §9.8), played byte for byte as A, B and a station. */
import { describe, expect, it } from 'vitest';
import { encodeP3, nodeIdFromText, nodeIdToText, type GrantedTicket, type DeniedTicket } from '../pia/phase3/index.js';
import { grantsBothWays } from './authority-reads.js';
import { rand, startAuthorityFixture } from './test-support/index.js';

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');
const granted = (t: GrantedTicket | DeniedTicket | undefined): GrantedTicket => {
  if (t?.kind !== 'granted') throw new Error(`expected a granted ticket, got ${JSON.stringify(t)}`);
  return t;
};

describe('ServerAuthority: P3_VOUCH', () => {
  it('grants a registered, granted pair: both tickets carry K_AB, the peer and the grant; audited; last seen set', async () => {
    const f = await startAuthorityFixture();
    const alice = await f.add('operator', 'alice');
    const gw = await f.add('gateway', 'rack1-gw');
    const g = await f.store.addGrant({ subject: alice.id, gateway: gw.id, devices: 'rack1-*', rights: ['read', 'call:unlock'], notAfter: '2025-06-01T12:05:00Z' }, f.now);
    const { verdict, forA, forB } = await f.vouch(alice, gw);
    expect([verdict.status, verdict.reason]).toEqual([0, 0]);
    const a = granted(forA);
    const b = granted(forB);
    expect(Buffer.from(a.kAB).equals(Buffer.from(b.kAB))).toBe(true);
    expect([nodeIdToText(b.peerId), b.peerKind, b.label]).toEqual([alice.id, 'operator', 'alice']);
    expect([nodeIdToText(a.peerId), a.peerKind, a.label]).toEqual([gw.id, 'gateway', 'rack1-gw']);
    expect(b.grants).toEqual([{ id: g.id, devices: 'rack1-*', rights: ['read', 'call:unlock'], validS: 300 }]);
    expect(b.lifetimeS).toBe(300);
    const records = f.audit.all();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ event: 'phase3-granted', requester: alice.id, responder: gw.id, direct: false, grants: [g.id], lifetimeS: 300 });
    expect(f.audit.lines.join()).not.toContain(Buffer.from(a.kAB).toString('hex'));
    expect((await f.store.getNode(alice.id))?.lastSeen).toBe('2025-06-01T12:00:00.000Z');
    expect((await f.store.getNode(gw.id))?.lastSeen).toBe('2025-06-01T12:00:00.000Z');
  });

  it('finds grants both ways (a gateway that initiates toward its operator) and through groups', async () => {
    const f = await startAuthorityFixture();
    const bob = await f.add('operator', 'bob', ['ops']);
    const gw = await f.add('gateway', 'gw');
    const g = await f.store.addGrant({ subject: 'group:ops', gateway: gw.id, devices: '*', rights: ['read'] }, f.now);
    const { verdict, forB } = await f.vouch(gw, bob); // A = the gateway, B = the operator
    expect(verdict.status).toBe(0);
    expect(granted(forB).grants.map((x) => x.id)).toEqual([g.id]);
    expect(await grantsBothWays(f.store, bob.id, gw.id, f.now)).toEqual([{ id: g.id, devices: '*', rights: ['read'] }]);
    expect(await grantsBothWays(f.store, gw.id, bob.id, f.now)).toHaveLength(1);
  });

  it('a node vouching for itself is read once per role, each with its own key: decided like any pair (granted by a grant on itself)', async () => {
    const f = await startAuthorityFixture();
    const gw = await f.add('gateway', 'gw');
    const self = await f.store.addGrant({ subject: gw.id, gateway: gw.id, devices: '*', rights: ['read'] }, f.now);
    const { verdict, forB } = await f.vouch(gw, gw);
    expect(verdict.status).toBe(0);
    expect(granted(forB).grants.map((x) => x.id)).toEqual([self.id]);
  });

  it('denies and says why: no grant (5), revoked (2), a man in the middle (4), a wrong partner (6), unknown (1), bad MAC_B (3)', async () => {
    const f = await startAuthorityFixture();
    const alice = await f.add('operator', 'alice');
    const gw = await f.add('gateway', 'gw');
    const other = await f.add('gateway', 'other');
    const noGrant = await f.vouch(alice, gw);
    expect([noGrant.verdict.status, noGrant.verdict.reason]).toEqual([1, 5]);
    expect(noGrant.forB).toMatchObject({ kind: 'denied', reason: 5 });
    await f.store.addGrant({ subject: alice.id, gateway: gw.id, devices: '*', rights: ['read'] }, f.now);

    const mitm = await f.vouch(alice, gw, { tA: rand(32) });
    expect(mitm.verdict.reason).toBe(4);
    expect(mitm.verdict.ticketA).toHaveLength(0); // A's MAC did not verify: nothing sealed for A
    expect(mitm.forB).toMatchObject({ kind: 'denied', reason: 4 });

    expect((await f.vouch(alice, gw, { idBStar: other.bytes })).verdict.reason).toBe(6);
    expect((await f.vouch(alice, gw, { idBStar: gw.bytes })).verdict.status).toBe(0);

    const stranger = { ...alice, id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', bytes: nodeIdFromText('3f2504e0-4f89-41d3-9a0c-0305e82c3301') };
    expect((await f.vouch(stranger, gw)).verdict.reason).toBe(1);
    const impostor = { ...gw, key: alice.key };
    const bad = await f.vouch(alice, impostor);
    expect([bad.verdict.reason, bad.verdict.ticketB.length, bad.verdict.ticketA.length]).toEqual([3, 0, 0]);

    await f.store.revokeNode(alice.id, f.now);
    const revoked = await f.vouch(alice, gw);
    expect(revoked.verdict.reason).toBe(2);
    expect(revoked.forA).toMatchObject({ kind: 'denied', reason: 2 });

    const denied = f.audit.all().filter((r) => r.event === 'phase3-denied').map((r) => r.reason);
    expect(denied).toEqual([5, 4, 6, 1, 3, 2]);
    expect(f.audit.verify()).toMatchObject({ ok: true, records: 7 });
  });

  it('rate limits per ID (7, unsealed, counted and not audited)', async () => {
    const f = await startAuthorityFixture({ perIdPerSecond: 3 });
    const alice = await f.add('operator', 'alice');
    const gw = await f.add('gateway', 'gw');
    await f.store.addGrant({ subject: alice.id, gateway: gw.id, devices: '*', rights: ['read'] }, f.now);
    const reasons: number[] = [];
    for (let i = 0; i < 5; i++) reasons.push((await f.vouch(alice, gw, { port: 5000 + i })).verdict.reason);
    expect(reasons).toEqual([0, 0, 0, 7, 7]);
    expect(f.authority.counters.rateLimited).toBe(2);
    expect(f.audit.all()).toHaveLength(3);
    await f.clock.advance(1000);
    expect((await f.vouch(alice, gw)).verdict.reason).toBe(0);
  });

  it('drops what it does not serve: garbage, a P3_FIN, a P3_REQ without a transcript', async () => {
    const f = await startAuthorityFixture();
    expect(await f.authority.handle(Uint8Array.of(1, 17, 0), f.source(rand(32)))).toEqual({});
    expect(await f.authority.handle(encodeP3({ kind: 'fin', nA: rand(32), macFI: rand(32) }), f.source(rand(32)))).toEqual({});
    const req = encodeP3({ kind: 'req', nA: rand(32), idA: f.server.bytes, idBStar: f.server.bytes, spiA: 0x1000, macA: rand(32) });
    expect(await f.authority.handle(req, { peer: { address: '::1', port: 1 }, transcript: undefined, dhSecret: undefined, reserveSpi: () => 0x2000 })).toEqual({});
    expect(f.authority.counters).toMatchObject({ undecodable: 1, unexpected: 2 });
    expect(f.audit.all()).toHaveLength(0);
  });
});

describe('ServerAuthority: ENROLL (§9.8)', () => {
  const boardId = '0b0a0d00-0000-4000-8000-0000000000b1';

  it('register: created once, the same key again → created false, another key → refused 9 and audited', async () => {
    const f = await startAuthorityFixture();
    const station = await f.add('station', 'line-1');
    const key = rand(32);
    const req = { op: 'register', id: nodeIdFromText(boardId), key, label: 'board-17', kind: 'gateway' } as const;
    const first = await f.enroll(station, req);
    expect(first.result.status).toBe(0);
    expect(first.opened).toMatchObject({ created: true });
    expect(await f.store.getNode(boardId)).toMatchObject({ kind: 'gateway', label: 'board-17', status: 'active' });
    expect(hex(await f.store.nodeKey(boardId))).toBe(hex(key));
    const again = await f.enroll(station, { ...req, key: Uint8Array.from(key) });
    expect(again.opened).toMatchObject({ created: false });
    const clash = await f.enroll(station, { ...req, key: rand(32) });
    expect([clash.result.status, clash.result.reason]).toEqual([1, 9]);
    expect(clash.opened).toMatchObject({ error: expect.stringMatching(/already registered with a different key/) as unknown });
    expect(hex(await f.store.nodeKey(boardId))).toBe(hex(key));
    expect(f.audit.all().map((r) => [r.event, r.created ?? r.reason])).toEqual([['node-enrolled', true], ['node-enrolled', false], ['enroll-denied', 9]]);
    expect(f.audit.lines.join()).not.toContain(Buffer.from(key).toString('base64'));
  });

  it('generate: a fresh ID and key; the same requestId again → the same ID and key, created false', async () => {
    const f = await startAuthorityFixture();
    const station = await f.add('station', 'line-1');
    const req = { op: 'generate', requestId: '7e57aaaa-0000-4000-8000-000000000001', label: 'board-18', kind: 'operator' } as const;
    const first = await f.enroll(station, req);
    const r1 = first.opened as { id: Uint8Array; key: Uint8Array; created: boolean };
    expect(r1.created).toBe(true);
    const id = nodeIdToText(r1.id);
    expect(hex(await f.store.nodeKey(id))).toBe(hex(r1.key));
    const again = (await f.enroll(station, req)).opened as { id: Uint8Array; key: Uint8Array; created: boolean };
    expect([nodeIdToText(again.id), again.created]).toEqual([id, false]);
    expect(Buffer.from(again.key).equals(Buffer.from(r1.key))).toBe(true);
    const other = (await f.enroll(station, { ...req, requestId: '7e57aaaa-0000-4000-8000-000000000002' })).opened as { id: Uint8Array };
    expect(nodeIdToText(other.id)).not.toBe(id);
    expect((await f.store.listNodes()).filter((n) => n.label === 'board-18')).toHaveLength(2);
  });

  it('nothing from a caller that is not an active station: unknown (10), wrong key (3), an operator (10, sealed), revoked (10)', async () => {
    const f = await startAuthorityFixture();
    const station = await f.add('station', 'line-1');
    const operator = await f.add('operator', 'alice');
    const req = { op: 'generate', requestId: '7e57aaaa-0000-4000-8000-000000000003', label: 'b', kind: 'gateway' } as const;
    const stranger = { ...station, bytes: nodeIdFromText('3f2504e0-4f89-41d3-9a0c-0305e82c3301'), id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' };
    const unknown = await f.enroll(stranger, req);
    expect([unknown.result.reason, unknown.opened]).toEqual([10, undefined]);
    const wrongKey = await f.enroll(station, req, { key: operator.key });
    expect([wrongKey.result.reason, wrongKey.opened]).toEqual([3, undefined]);
    const notStation = await f.enroll(operator, req);
    expect(notStation.result.reason).toBe(10);
    expect(notStation.opened).toMatchObject({ error: expect.stringMatching(/a operator, not a station/) as unknown });
    await f.store.revokeNode(station.id, f.now);
    expect((await f.enroll(station, req)).result.reason).toBe(10);
    expect(await f.store.listNodes()).toHaveLength(3); // server, station, operator: nothing added
    expect(f.audit.all().map((r) => [r.event, r.reason, r.station])).toEqual([
      ['enroll-denied', 10, stranger.id],
      ['enroll-denied', 3, station.id],
      ['enroll-denied', 10, operator.id],
      ['enroll-denied', 10, station.id],
    ]);
  });
});
