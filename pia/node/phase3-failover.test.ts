/**
 * Phase 3 with a trusted server served by two instances at two endpoints (docs/protocol.md
 * §9.12): both are PiaNodes in front of one authority (one registry, one audit trail: what a
 * shared database gives). When the instance a gateway vouches through goes silent, its resent
 * P3_VOUCH goes to the other, and the operator's exchange completes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { A, B } from './test-support/index.js';
import { S, trio, type Trio } from './test-support/phase3.js';

const S2 = { address: '2001:db8:5::2', port: 4500 };
const C = { address: '2001:db8:c::1', port: 4500 };

let t: Trio | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function fleet(seed: string): { t: Trio; gw: string } {
  t = trio(seed);
  t.add('server-2', S2, { phase3: { authority: t.trust.authority } });
  const gw = t.trust.register('gateway', 'rack gateway');
  t.add('b', B, { phase3: { identity: gw.identity, trustServers: [S, S2] } });
  return { t, gw: gw.text };
}

function operator(tt: Trio, name: string, at: typeof A, gw: string): ReturnType<Trio['add']> {
  const op = tt.trust.register('operator', name);
  tt.trust.grant(op.text, gw, '*', ['read']);
  return tt.add(name, at, { phase3: { identity: op.identity, trustServers: [S, S2] } });
}

describe('phase 3 with a trusted server at two endpoints (§9.12)', () => {
  it('a vouch to an instance that went silent is resent to the other, and the exchange completes', async () => {
    const { t, gw } = fleet('p3-failover');
    const alice = operator(t, 'alice', A, gw);
    await t.clock.settle(alice.node.connect(B).then(() => alice.node.phase3Ready(B)));
    const first = t.trust.audit.filter((r) => !r.direct && r.event === 'phase3-granted');
    expect(first).toHaveLength(1);

    // S stops: nothing reaches it or leaves it any more (a kill -9 of its process)
    let toS = 0;
    t.net.intercept((d) => {
      if (d.to.address !== S.address && d.from.address !== S.address) return undefined;
      if (d.to.address === S.address) toS++;
      return 'drop';
    });
    const carol = operator(t, 'carol', C, gw);
    await t.clock.settle(carol.node.connect(B).then(() => carol.node.phase3Ready(B)));
    expect(carol.node.phase(B)).toBe(3);
    expect(toS).toBeGreaterThan(0); // the first vouch went to S and was lost
    const granted = t.trust.audit.filter((r) => !r.direct && r.event === 'phase3-granted').map((r) => r.requester);
    expect(granted.filter((id) => id !== first[0]?.requester)).toHaveLength(1); // carol's, decided once, by S2
  });

  it('with the first instance alive, vouches stay with it', async () => {
    const { t, gw } = fleet('p3-stay');
    let toS2 = 0;
    t.net.intercept((d) => {
      if (d.to.address === S2.address) toS2++;
      return undefined;
    });
    for (const [name, at] of [['alice', A], ['carol', C]] as const) {
      const op = operator(t, name, at, gw);
      await t.clock.settle(op.node.connect(B).then(() => op.node.phase3Ready(B)));
      expect(op.node.phase(B)).toBe(3);
    }
    expect(toS2).toBe(0);
  });
});
