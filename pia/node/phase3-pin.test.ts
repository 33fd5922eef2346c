/**
 * The trusted server pinned (Phase3Options.trustServerId, docs/protocol.md §9.2 ID_B*): another
 * registered node answering at the trusted server's endpoint is refused with reason 6, however
 * the exchange with it started, even where a grant between the two would let it through.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { answeredIn, nodeIdToText } from '../phase3/index.js';
import { A } from './test-support/index.js';
import { S, trio, type Trio } from './test-support/phase3.js';

let t: Trio | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const X = { address: '2001:db8:e::5', port: 4500 };

/** A gateway whose trusted-server endpoint is answered by X, another registered node that vouches through the real S. */
function impostorAtServer(seed: string, pin: boolean): { t: Trio; g: ReturnType<Trio['add']>; serverId: string; x: string } {
  t = trio(seed);
  const g = t.trust.register('gateway', 'rack1-gw');
  const x = t.trust.register('gateway', 'impostor');
  t.trust.grant(g.text, x.text, '*', ['read']); // without the pin, phase 3 with X would even be granted
  const serverId = nodeIdToText(t.trust.serverId);
  t.add('x', X, { phase3: { identity: x.identity, trustServer: S } });
  const gateway = t.add('g', A, { phase3: { identity: g.identity, trustServer: X, ...(pin ? { trustServerId: serverId } : {}) } });
  return { t, g: gateway, serverId, x: x.text };
}

describe('the trusted server pinned by its ID', () => {
  it("a node checking its key with 'the trusted server' where another node answers: denied 6, sealed, naming that node; never at phase 3 with it", async () => {
    const { t: tt, g, serverId, x } = impostorAtServer('pin-check', true);
    await tt.clock.settle(g.node.connect(X));
    await expect(tt.clock.settle(g.node.phase3Ready(X))).rejects.toThrow(/denied \(reason 6/);
    const [denied] = g.of('phase3-denied');
    expect(denied).toMatchObject({ reason: 6, authentic: true });
    expect(answeredIn(denied?.text ?? '')).toEqual({ id: x, label: 'impostor' });
    expect(denied?.text).toContain(serverId);
    expect(g.of('phase3-up')).toHaveLength(0);
    expect(g.node.phase(X)).toBe(2);
    expect(tt.trust.audit.filter((r) => !r.direct)).toMatchObject([{ event: 'phase3-denied', reason: 6 }]);
  });

  it('the pin holds when the node reaches its trusted server to vouch (no connect() by the application)', async () => {
    const { t: tt, g } = impostorAtServer('pin-vouch', true);
    const alice = tt.trust.register('operator', 'alice');
    const a = tt.add('a', { address: '2001:db8:a::9', port: 4500 }, { phase3: { identity: alice.identity, trustServer: S } });
    await tt.clock.settle(a.node.connect(A)); // alice → the gateway: it vouches, so it connects to "its trusted server" X itself
    await tt.clock.advance(5000);
    expect(g.of('phase3-denied').filter((e) => e.peer.address === X.address)).toMatchObject([{ reason: 6, authentic: true }]);
    expect(g.of('phase3-up').filter((e) => e.peer.address === X.address)).toHaveLength(0);
  });

  it('without the pin (ID_B* "any") the same node would be taken at its word: what the pin prevents', async () => {
    const { t: tt, g, x } = impostorAtServer('pin-none', false);
    await tt.clock.settle(g.node.connect(X).then(() => g.node.phase3Ready(X)));
    expect(g.of('phase3-up')).toMatchObject([{ peerId: x }]);
  });

  it('a trustServerId that is no node ID is refused when the node is made, naming the option and the fix', () => {
    t = trio('pin-bad');
    expect(() => t?.add('bad', A, { phase3: { trustServerId: 'server-1' } })).toThrow(/trustServerId: node ID "server-1" is not a UUID.*give the trusted server's node ID \(server\.id in the node's credential\)/);
    expect(() => t?.add('zero', { address: '2001:db8:a::2', port: 4500 }, { phase3: { trustServerId: '00000000-0000-0000-0000-000000000000' } })).toThrow(/all-zero ID \("any"\), which pins nothing/);
  });
});
