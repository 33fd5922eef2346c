/**
 * Phase 3 end to end at library level (docs/protocol.md §9.4): A (requester), B (voucher) and
 * S (authorize) over real phase-2 pairs, messages carried in memory.
 */
import { inspect } from 'node:util';
import { describe, it, expect } from 'vitest';
import { authorize } from './authority.js';
import { decodeP3 } from './messages.js';
import { nodeIdToText, sameNodeId } from './node-id.js';
import { P3Reason } from './types.js';
import { TestRegistry, exchange, keysOf, kinds, only, runOnce } from './test-support/index.js';

function world(): { reg: TestRegistry; alice: ReturnType<TestRegistry['add']>; gw: ReturnType<TestRegistry['add']> } {
  const reg = new TestRegistry();
  const alice = reg.add('operator', 'alice');
  const gw = reg.add('gateway', 'rack-gw-1');
  return { reg, alice, gw };
}

describe('phase 3 granted end to end', () => {
  it('both sides derive the same phase-3 keys; A learns B, B learns A and the grants', async () => {
    const { reg, alice, gw } = world();
    reg.grant(alice, gw, { id: 'g-read', devices: 'rack1-*', rights: ['read', 'call:reboot'] });
    const x = await exchange('granted', alice, gw);
    const run = await runOnce(x, reg.deps({ clock: x.clock }));
    const a = keysOf(run.aActions, 'established');
    const b = keysOf(run.bActions, 'provisional');
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    if (a === undefined || b === undefined) return;
    expect(kinds(run.bActions)).toEqual(['send-peer', 'provisional', 'established']); // P3_FIN confirmed it
    expect(x.voucher.state).toBe('established');
    expect(x.requester.state).toBe('established');
    // A seals with i2r to SPI_B'; B opens i2r on SPI_B'
    expect(a.outbound.equals(b.inbound)).toBe(true);
    expect(b.outbound.equals(a.inbound)).toBe(true);
    expect(a.inbound.equals(a.outbound)).toBe(false);
    expect([a.spiOut, b.spiOut]).toEqual([b.spiIn, a.spiIn]);
    expect(b.spiIn).toBe(x.reserved[0]);
    expect(a.spiIn).toBe(x.requester.spiIn);
    expect(sameNodeId(a.vouched.peerId, gw.id)).toBe(true);
    expect([a.vouched.peerKind, a.vouched.peerLabel]).toEqual(['gateway', 'rack-gw-1']);
    expect(sameNodeId(b.vouched.peerId, alice.id)).toBe(true);
    expect([b.vouched.peerKind, b.vouched.peerLabel]).toEqual(['operator', 'alice']);
    expect(b.vouched.grants).toEqual([{ id: 'g-read', devices: 'rack1-*', rights: ['read', 'call:reboot'], validS: 600 }]);
    expect(b.vouched.lifetimeS).toBe(600);
    // the phase-3 keys are new: not the phase-2 ones
    expect(reg.audit.map((r) => r.event)).toEqual(['phase3-granted']);
    expect(reg.audit[0]).toMatchObject({ requester: nodeIdToText(alice.id), responder: nodeIdToText(gw.id), grants: ['g-read'], lifetimeS: 600, direct: false });
  });

  it('the messages have the §9.2 sizes and nothing secret prints', async () => {
    const { reg, alice, gw } = world();
    reg.grant(alice, gw);
    const x = await exchange('sizes', alice, gw);
    const run = await runOnce(x, reg.deps());
    expect([run.req.length, run.vouch.length, run.fin?.length]).toEqual([102, 210, 66]);
    expect(decodeP3(run.verdict).kind).toBe('verdict');
    const keys = keysOf(run.aActions, 'established');
    const shown = `${inspect(keys)} ${JSON.stringify(keys)} ${inspect(x.requester)} ${inspect(x.voucher)} ${String(x.requester)} ${inspect(alice.key)} ${JSON.stringify(alice.key)}`;
    expect(shown).not.toContain(Buffer.from(alice.raw).toString('hex'));
    expect(shown).toContain('redacted');
  });

  it('a duplicate P3_REQ gets "pending" while S is asked, then the same P3_RESP; a lost P3_FIN is covered by ESP', async () => {
    const { reg, alice, gw } = world();
    reg.grant(alice, gw);
    const x = await exchange('dup', alice, gw);
    const req = only(await x.requester.start(), 'send-peer');
    const vouch = only(await x.voucher.receiveRequest(req), 'send-server');
    const pending = only(await x.voucher.receiveRequest(req), 'send-peer');
    expect(decodeP3(pending)).toMatchObject({ kind: 'resp', status: 2 });
    expect(await x.requester.receive(pending)).toEqual([]);
    expect(x.requester.counters.pending).toBe(1);
    const verdict = (await authorize(vouch, { key: 'B' }, reg.deps())).reply!;
    const resp = only(await x.voucher.receiveVerdict(verdict), 'send-peer');
    expect(only(await x.voucher.receiveRequest(req), 'send-peer')).toEqual(resp);
    // A's first P3_RESP copy got lost; the repeat works; P3_FIN lost too: the first ESP packet confirms
    const aActions = await x.requester.receive(resp);
    expect(kinds(aActions)).toEqual(['send-peer', 'established']);
    expect(kinds(await x.requester.receive(resp))).toEqual(['send-peer']); // the same P3_FIN again
    expect(kinds(x.voucher.confirmedByEsp())).toEqual(['established']);
    expect(x.voucher.confirmedByEsp()).toEqual([]);
  });

  it('a node key that fails once (a secure element that did not answer) does not wedge the exchange: the repeat P3_REQ is served afresh', async () => {
    const { reg, alice, gw } = world();
    reg.grant(alice, gw);
    let failures = 1;
    const flaky = { ...gw, key: { hmac: (m: Uint8Array) => (failures-- > 0 ? Promise.reject(new Error('ATECC608 at i2c-1 0x60: no response')) : gw.key.hmac(m)) } };
    const x = await exchange('flaky-key', alice, flaky);
    const req = only(await x.requester.start(), 'send-peer');
    await expect(x.voucher.receiveRequest(req)).rejects.toThrow(/no response/);
    expect(x.voucher.state).toBe('idle');
    const vouch = only(await x.voucher.receiveRequest(req), 'send-server'); // A's retransmission
    const verdict = (await authorize(vouch, { key: 'B' }, reg.deps())).reply!;
    const resp = only(await x.voucher.receiveVerdict(verdict), 'send-peer');
    expect(kinds(await x.requester.receive(resp))).toEqual(['send-peer', 'established']);
  });

  it('a voucher without identity answers denied 8, unauthenticated; A reports it unverified', async () => {
    const { alice } = world();
    const x = await exchange('no-identity', alice, undefined);
    const req = only(await x.requester.start(), 'send-peer');
    const resp = only(await x.voucher.receiveRequest(req), 'send-peer');
    expect(decodeP3(resp)).toMatchObject({ kind: 'resp', status: 1, reason: 8, ticketA: new Uint8Array(0) });
    expect(await x.requester.receive(resp)).toEqual([{ kind: 'denied', reason: P3Reason.ServerUnreachable, text: '', authentic: false }]);
    expect(x.requester.state).toBe('denied');
  });
});
