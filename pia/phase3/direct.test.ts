/**
 * A P3_REQ sent to the trusted server itself (§9.2, §9.5: S in B's place): stateless through
 * `authorize`, and stateful through a voucher running `directAuthority` on the server.
 */
import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { seededRandom } from '../handshake/test-support/index.js';
import { authorize, directAuthority } from './authority.js';
import { decodeP3 } from './messages.js';
import { Phase3Requester } from './requester.js';
import { Phase3Voucher } from './voucher.js';
import { P3Reason } from './types.js';
import { TestRegistry, keysOf, kinds, only, phase2Pair } from './test-support/index.js';

async function setup(seed: string): Promise<{ reg: TestRegistry; station: ReturnType<TestRegistry['add']>; server: ReturnType<TestRegistry['add']>; clock: ManualClock; p2: Awaited<ReturnType<typeof phase2Pair>> }> {
  const reg = new TestRegistry();
  const station = reg.add('station', 'line-3');
  const server = reg.add('server', 'trust', false);
  return { reg, station, server, clock: new ManualClock(), p2: await phase2Pair(seed) };
}

describe('P3_REQ to the trusted server itself', () => {
  it('authorize answers P3_RESP and the pair S installs; both sides agree; no grants needed', async () => {
    const { reg, station, server, clock, p2 } = await setup('direct');
    const a = new Phase3Requester({ identity: station, expectedPeer: server.id, transcript: p2.a.transcript, dhSecret: p2.a.dhSecret, spiIn: 0x7777, clock, random: seededRandom('d/A') });
    const req = only(await a.start(), 'send-peer');
    const answer = await authorize(req, { key: 'station', transcript: p2.b.transcript, dhSecret: p2.b.dhSecret, reserveSpi: () => 0x8888 }, reg.deps({ server, clock }));
    expect(answer.keys).toMatchObject({ role: 'responder', spiIn: 0x8888, spiOut: 0x7777, vouched: { peerKind: 'station', peerLabel: 'line-3', grants: [] } });
    const aActions = await a.receive(answer.reply!);
    const keys = keysOf(aActions, 'established');
    expect(keys?.vouched).toMatchObject({ peerKind: 'server', peerLabel: 'trust', lifetimeS: 600, grants: [] });
    expect(keys?.outbound.equals(answer.keys!.inbound)).toBe(true);
    expect(reg.audit).toMatchObject([{ event: 'phase3-granted', direct: true }]);
  });

  it('a requester expecting someone else → 6; a MAC over another T → 4 (unauthenticated); revoked → 2', async () => {
    const { reg, station, server, clock, p2 } = await setup('direct-deny');
    const other = reg.add('server', 'other', false);
    const source = { key: 'st', transcript: p2.b.transcript, dhSecret: p2.b.dhSecret, reserveSpi: () => 0x9999 };
    const ask = async (expectedPeer: Uint8Array, transcript = p2.a.transcript): Promise<{ resp: Uint8Array; a: Phase3Requester }> => {
      const a = new Phase3Requester({ identity: station, expectedPeer, transcript, dhSecret: p2.a.dhSecret, spiIn: 0x7777, clock, random: seededRandom(`dd/${reg.audit.length}`) });
      const answer = await authorize(only(await a.start(), 'send-peer'), source, reg.deps({ server, clock }));
      expect(answer.keys).toBeUndefined();
      return { resp: answer.reply!, a };
    };
    const six = await ask(other.id);
    expect(await six.a.receive(six.resp)).toMatchObject([{ kind: 'denied', reason: P3Reason.WrongPartner, authentic: true }]);
    const four = await ask(server.id, new Uint8Array(32).fill(1));
    expect(decodeP3(four.resp)).toMatchObject({ status: 1, reason: 4, ticketA: new Uint8Array(0) });
    reg.revoke(station);
    const two = await ask(server.id);
    expect(await two.a.receive(two.resp)).toMatchObject([{ kind: 'denied', reason: 2, authentic: true }]);
  });

  it('a voucher on the server with directAuthority: duplicates get the same P3_RESP; P3_FIN confirms', async () => {
    const { reg, station, server, clock, p2 } = await setup('direct-stateful');
    const a = new Phase3Requester({ identity: station, transcript: p2.a.transcript, dhSecret: p2.a.dhSecret, spiIn: 0x7777, clock, random: seededRandom('ds/A') });
    const s = new Phase3Voucher({ authority: directAuthority(reg.deps({ server, clock }), 'station'), transcript: p2.b.transcript, dhSecret: p2.b.dhSecret, reserveSpi: () => 0x4444, clock });
    const req = only(await a.start(), 'send-peer');
    const first = await s.receiveRequest(req);
    expect(kinds(first)).toEqual(['send-peer', 'provisional']);
    expect(only(await s.receiveRequest(req), 'send-peer')).toEqual(only(first, 'send-peer'));
    expect(reg.audit).toHaveLength(1); // one decision, however often A asks
    const fin = only(await a.receive(only(first, 'send-peer')), 'send-peer');
    expect(kinds(await s.receiveFin(fin))).toEqual(['established']);
  });

  it('authorize refuses (a programming error) a P3_REQ without the SA\'s T, Z and SPI reservation', async () => {
    const { reg, station, server, clock, p2 } = await setup('direct-misuse');
    const a = new Phase3Requester({ identity: station, transcript: p2.a.transcript, dhSecret: p2.a.dhSecret, spiIn: 0x7777, clock });
    const req = only(await a.start(), 'send-peer');
    await expect(authorize(req, { key: 'x' }, reg.deps({ server }))).rejects.toThrow(/transcript, DH secret and an SPI reservation/);
    expect(await authorize(new Uint8Array([1, 99]), { key: 'x' }, reg.deps())).toEqual({});
    expect(reg.counts).toEqual(['undecodable']);
  });
});
