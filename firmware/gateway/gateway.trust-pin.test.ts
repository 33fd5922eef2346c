/**
 * The gateway's trusted server is pinned by the credential's server ID (pia-endpoint.ts step
 * 4): another registered node answering at the trusted server's address is refused with
 * reason 6 at the gateway's own check, even where a grant between the two exists.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLatchStore } from '../../pia/discovery/index.js';
import { seededRandom } from '../../pia/handshake/test-support/index.js';
import { PiaNode } from '../../pia/node/index.js';
import { S } from '../../pia/node/test-support/index.js';
import { nodeIdToText } from '../../pia/phase3/index.js';
import { memoryGateway, type MemoryGateway } from './test-support/index.js';

let t: MemoryGateway | undefined;
let impostor: PiaNode | undefined;
afterEach(async () => {
  await impostor?.close();
  await t?.close();
  impostor = undefined;
  t = undefined;
});

const X = { address: '2001:db8:e::5', port: 4500 };

describe("the gateway's trusted server, pinned", () => {
  it("another registered node at the trusted server's address: the check is denied (reason 6) naming both, with the fix; never 'verified'", async () => {
    const g = await memoryGateway({ gateway: { trustServer: X } });
    t = g;
    const x = g.trust.register('gateway', 'impostor');
    g.trust.grant(g.gatewayId, x.text, '*', ['read']); // unpinned, phase 3 with it would be granted
    impostor = new PiaNode({ transport: g.net.attach(X.address, X.port), clock: g.clock, random: seededRandom('gw-pin/impostor'), latches: new MemoryLatchStore(), phase3: { identity: x.identity, trustServer: S } });
    const trust = g.gateway.pia.trust;
    for (let ms = 0; trust.check === 'pending' && ms < 60_000; ms += 100) await g.clock.advance(100);
    expect(trust.check).toBe('denied');
    const serverId = nodeIdToText(g.trust.serverId);
    expect(trust.checkDetail).toMatch(new RegExp(`reason 6: .*expected ${serverId} but is talking to ${x.text} \\(impostor\\)`));
    const warning = g.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('PIA: no phase 3 with the trusted server'));
    expect(warning?.msg).toMatch(new RegExp(`the node there is not the trusted server ${serverId} this gateway's credential names: check gateway\\.trustServer`));
    expect(g.trust.audit.filter((r) => !r.direct)).toMatchObject([{ event: 'phase3-denied', reason: 6, requester: g.gatewayId, responder: x.text }]);
  });
});
