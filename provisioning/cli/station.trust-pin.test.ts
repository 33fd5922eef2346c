/**
 * The station's phase-3 check of a board (station.ts phase3Check, what `burn` and `verify` run)
 * pins the trusted server by the ID its credential names: another registered node answering
 * at the server's address is refused (reason 6), and the error names the fix.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../pia/handshake/test-support/index.js';
import { S, trio, type Trio } from '../../pia/node/test-support/index.js';
import { nodeIdToText } from '../../pia/phase3/index.js';
import { phase3Check, type ProvisionDeps } from './station.js';

let t: Trio | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const X = { address: '2001:db8:e::5', port: 4500 };

function deps(tt: Trio): ProvisionDeps {
  let port = 41_000;
  return {
    clock: tt.clock,
    openI2c: () => Promise.reject(new Error('no I2C in this test')),
    openTransport: () => Promise.resolve(tt.net.attach('2001:db8:f::30', port++)),
    node: { random: seededRandom('station-pin') },
  };
}

describe("the station's phase-3 check, pinned to the trusted server", () => {
  it('passes with the real trusted server', async () => {
    t = trio('station-pin-ok');
    const board = t.trust.register('gateway', 'board');
    await t.clock.settle(phase3Check(deps(t), S, nodeIdToText(t.trust.serverId), board.text, board.identity.key));
  });

  it("another registered node at the server's address: refused (reason 6), naming the node, the server's ID and the fix", async () => {
    t = trio('station-pin-impostor');
    const board = t.trust.register('gateway', 'board');
    const x = t.trust.register('gateway', 'impostor');
    t.trust.grant(board.text, x.text, '*', ['read']); // unpinned, phase 3 with it would be granted
    t.add('x', X, { phase3: { identity: x.identity, trustServer: S } });
    const serverId = nodeIdToText(t.trust.serverId);
    const check = phase3Check(deps(t), X, serverId, board.text, board.identity.key);
    await expect(t.clock.settle(check)).rejects.toThrow(
      new RegExp(`reason 6: .*talking to ${x.text} \\(impostor\\).*; the node at \\[2001:db8:e::5\\]:4500 is not the trusted server ${serverId} the credential names: check the server address`),
    );
  });
});
