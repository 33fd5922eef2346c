/**
 * Access withdrawn by the trusted server, applied at once (docs/protocol.md §9.11) on the
 * in-memory network with a ManualClock: the gateway finds the associations phase 3 bound to a
 * node, closes one with CLOSE reason 3 (the peer learns why), and narrows a pair's grants so
 * only the withdrawn one stops; the CLOSE codec keeps unknown reasons tolerant.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeReason, encodeClose } from './close-message.js';
import { A, B, payloadOf } from './test-support/index.js';
import { aliceAtRackGateway, trio, type P3Node, type Trio } from './test-support/phase3.js';

let t: Trio | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function associated(seed: string): Promise<{ t: Trio; a: P3Node; b: P3Node; alice: string; gw: string }> {
  const tt = trio(seed);
  t = tt;
  const { a, b, alice, gw } = await aliceAtRackGateway(tt, { a: A, b: B });
  return { t: tt, a, b, alice: alice.text, gw: gw.text };
}

describe('CLOSE reason codes (§6)', () => {
  it('3 is "revoked", 1 and 2 keep their meaning, any other value reads as unspecified', () => {
    expect([...encodeClose('revoked')]).toEqual([1, 32, 3]);
    expect(closeReason(encodeClose('revoked'))).toBe('revoked');
    expect(closeReason(encodeClose('done'))).toBe('done');
    expect(closeReason(encodeClose('shutting-down'))).toBe('shutting-down');
    for (const code of [0, 4, 200, 255]) expect(closeReason(Uint8Array.of(1, 32, code))).toBe('unspecified');
    expect(closeReason(Uint8Array.of(1, 32, 3, 0))).toBeUndefined();
  });
});

describe('access withdrawn (§9.11)', () => {
  it('associationsWith finds the peer phase 3 bound to the node, and only it', async () => {
    const { b, alice, gw } = await associated('w-find');
    expect(b.node.associationsWith(alice)).toEqual([{ address: A.address, port: A.port }]);
    expect(b.node.associationsWith(alice.toUpperCase())).toHaveLength(1);
    expect(b.node.associationsWith(gw)).toEqual([]);
  });

  it('closeAssociation sends CLOSE reason 3: the peer drops the association and learns why', async () => {
    const { t, a, b, alice } = await associated('w-close');
    expect(await b.node.closeAssociation(A, 'revoked')).toBe(true);
    await t.settle();
    expect(a.of('peer-closed')).toEqual([{ kind: 'peer-closed', peer: { address: B.address, port: B.port }, reason: 'revoked' }]);
    expect(a.node.sa(B)).toBeUndefined();
    expect(b.node.sa(A)).toBeUndefined();
    expect(b.node.associationsWith(alice)).toEqual([]);
    expect(await b.node.closeAssociation(A, 'revoked')).toBe(false);
  });

  it('withdrawGrants removes one grant from the pair: the next datagram carries only the other', async () => {
    const { t, a, b } = await associated('w-grant');
    await a.node.send(B, { srcPort: 5000, dstPort: 5683, payload: payloadOf(1) });
    await t.settle();
    const before = b.inbox.at(-1)!.ctx;
    expect(before.phase === 3 ? before.grants.map((g) => g.devices) : []).toEqual(['rack1-*', 'door']);
    const doorId = before.phase === 3 ? before.grants.find((g) => g.devices === 'door')!.id : '';
    expect(b.node.withdrawGrants([doorId])).toBe(1);
    expect(b.node.withdrawGrants([doorId])).toBe(0); // idempotent
    await a.node.send(B, { srcPort: 5000, dstPort: 5683, payload: payloadOf(2) });
    await t.settle();
    const after = b.inbox.at(-1)!.ctx;
    expect(after).toMatchObject({ phase: 3, grants: [{ devices: 'rack1-*', rights: ['read'] }] });
    expect(after.phase === 3 ? after.grants : []).toHaveLength(1);
    expect(b.node.sa(A)).toBeDefined(); // the same association goes on
  });
});
