/**
 * A store that cannot be reached (StoreError 'unavailable') during a phase-3 decision: a
 * refusal (reason 8, "trusted server unavailable" in its audit record), never a grant nor a
 * crash; and once the store is back, the same pair is granted.
 */
import { describe, expect, it } from 'vitest';
import { decodeP3, encodeP3, macA, ZERO_NODE_ID, type P3Resp } from '../pia/phase3/index.js';
import { MasterKey, openSqliteStore, StoreError, type TrustStore } from './store/index.js';
import { flakyStore, rand, UNAVAILABLE_MESSAGE, startAuthorityFixture, type FlakyStore } from './test-support/index.js';

const setup = async (): Promise<FlakyStore & { f: Awaited<ReturnType<typeof startAuthorityFixture>> }> => {
  const flaky = flakyStore(openSqliteStore({ path: ':memory:', masterKey: MasterKey.fromBytes(rand(32)) }));
  const f = await startAuthorityFixture(undefined, flaky.store);
  return Object.assign(flaky, { f });
};

describe('ServerAuthority with its store out of reach', () => {
  it('a vouch whose nodes and grants cannot be read (one read, vouchParties) is refused (reason 8, unsealed) and audited as "trusted server unavailable"', async () => {
    const { f, down } = await setup();
    const alice = await f.add('operator', 'alice');
    const gw = await f.add('gateway', 'gw');
    await f.store.addGrant({ subject: alice.id, gateway: gw.id, devices: '*', rights: ['read'] }, f.now);
    down.add('vouchParties');
    const { verdict, forA, forB } = await f.vouch(alice, gw);
    expect([verdict.status, verdict.reason]).toEqual([1, 8]);
    expect([verdict.ticketA.length, verdict.ticketB.length, forA, forB]).toEqual([0, 0, undefined, undefined]);
    const records = f.audit.all();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ event: 'phase3-denied', requester: alice.id, responder: gw.id, direct: false, reason: 8 });
    expect(records[0]?.why).toBe(`trusted server unavailable: ${UNAVAILABLE_MESSAGE}`);

    down.clear();
    expect((await f.vouch(alice, gw)).verdict.status).toBe(0); // back: granted
  });

  it('a P3_REQ sent to the server itself is answered P3_RESP denied 8, audited', async () => {
    const { f, down } = await setup();
    const alice = await f.add('operator', 'alice');
    down.add('nodeWithKey');
    const t = rand(32);
    const nA = rand(32);
    const req = encodeP3({ kind: 'req', nA, idA: alice.bytes, idBStar: ZERO_NODE_ID, spiA: 0x1000, macA: await macA(alice.key, alice.bytes, ZERO_NODE_ID, t, nA) });
    const answer = await f.authority.handle(req, f.source(t));
    expect(answer.install).toBeUndefined();
    const resp = decodeP3(answer.reply ?? new Uint8Array(0)) as P3Resp;
    expect([resp.kind, resp.status, resp.reason, resp.ticketA.length]).toEqual(['resp', 1, 8, 0]);
    expect(f.audit.all()[0]).toMatchObject({ event: 'phase3-denied', requester: alice.id, responder: f.server.id, direct: true, reason: 8, why: expect.stringMatching(/^trusted server unavailable: /) as unknown });
  });

  it('an enrollment whose records cannot be read is refused 8 "trusted server unavailable", audited, and adds no node', async () => {
    const { f, down } = await setup();
    const station = await f.add('station', 'line-1');
    const before = (await f.store.listNodes()).length;
    down.add('findEnrollment');
    const { result, opened } = await f.enroll(station, { op: 'generate', requestId: '7e57aaaa-0000-4000-8000-000000000009', label: 'board-19', kind: 'operator' });
    expect([result.status, result.reason]).toEqual([1, 8]);
    expect(opened).toMatchObject({ error: expect.stringMatching(/trusted server unavailable/) as unknown });
    expect(f.audit.all()).toContainEqual(expect.objectContaining({ event: 'enroll-denied', reason: 8 }));
    down.clear();
    expect(await f.store.listNodes()).toHaveLength(before);
  });

  it('another store error is not taken for unavailability: it still fails the call', async () => {
    const { f } = await setup();
    const alice = await f.add('operator', 'alice');
    const gw = await f.add('gateway', 'gw');
    const broken = { ...f.store, vouchParties: () => Promise.reject(new StoreError('corrupt', 'a row does not decode')) } as TrustStore;
    const g = await startAuthorityFixture(undefined, broken);
    await expect(g.vouch(alice, gw)).rejects.toThrow('a row does not decode');
  });
});
