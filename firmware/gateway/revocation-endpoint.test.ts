/**
 * The gateway's handling of the trusted server's revocation notices (docs/protocol.md §9.11),
 * on pia/node's in-memory network with a ManualClock and ../phase3's authority as S: a revoked
 * node's association is dropped with CLOSE reason 3, a removed grant leaves the association and
 * its other grant alone, a repeat is idempotent, and a notice from anyone but the pinned server
 * is refused (4.01 at phase 2, 4.03 at phase 3 from an operator) and only counted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CoapClient, ContentFormat, piaTransport, type CoapResponse } from '../../coap/index.js';
import { nodeIdToText } from '../../pia/phase3/index.js';
import type { Endpoint, PiaNode } from '../../pia/node/index.js';
import { A, B, S, aliceAtRackGateway, trio, type P3Node, type Trio } from '../../pia/node/test-support/index.js';
import { RevocationEndpoint, REVOCATION_PORT } from './revocation-endpoint.js';

let t: Trio | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await t?.close();
  t = undefined;
});

const C: Endpoint = { address: '2001:db8:c::1', port: 4500 };

interface Setup {
  readonly aliceIdentity: Parameters<Trio['add']>[2];
  readonly t: Trio;
  readonly a: P3Node;
  readonly b: P3Node;
  readonly endpoint: RevocationEndpoint;
  readonly alice: string;
  readonly doorGrant: string;
  readonly logs: string[];
  post(from: PiaNode, body: unknown, format?: number): Promise<CoapResponse>;
}

async function setup(seed: string): Promise<Setup> {
  const tt = trio(seed);
  t = tt;
  const { a, b, alice } = await aliceAtRackGateway(tt, { a: A, b: B }, { trustServerId: nodeIdToText(tt.trust.serverId) });
  const logs: string[] = [];
  const endpoint = new RevocationEndpoint({ node: b.node, clock: tt.clock, serverId: nodeIdToText(tt.trust.serverId), log: { info: (m) => void logs.push(m), warn: (m) => void logs.push(`warn: ${m}`) }, random: () => 0.5 });
  closers.push(() => endpoint.close());
  await tt.clock.settle(b.node.connect(S).then(() => b.node.phase3Ready(S)));
  await a.node.send(B, { srcPort: 5000, dstPort: 5683, payload: Uint8Array.of(1) });
  await tt.settle();
  const ctx = b.inbox.at(-1)!.ctx;
  const doorGrant = ctx.phase === 3 ? (ctx.grants.find((g) => g.devices === 'door')?.id ?? '') : '';
  let port = 50_000;
  const post = async (from: PiaNode, body: unknown, format = ContentFormat.Json): Promise<CoapResponse> => {
    const transport = piaTransport(from, { port: port++, route: () => B });
    const client = new CoapClient({ transport, clock: tt.clock, random: () => 0 });
    closers.push(async () => (await client.close(), await transport.close()));
    return tt.clock.settle(client.request('POST', { to: { address: B.address, port: REVOCATION_PORT }, path: ['pia', 'revocations'], query: [] }, { payload: JSON.stringify(body), contentFormat: format, via: B }));
  };
  return { aliceIdentity: { phase3: { identity: alice.identity, trustServer: S } }, t: tt, a, b, endpoint, alice: alice.text, doorGrant, logs, post };
}

describe('revocation notices at the gateway (§9.11)', () => {
  it("a revoked node's association is dropped with CLOSE reason 3; the server's association stays; a repeat changes nothing", async () => {
    const s = await setup('rev-node');
    const r = await s.post(s.t.server.node, { v: 1, seq: 7, nodes: [s.alice], grants: [] });
    expect(r.codeText).toBe('2.04');
    expect(s.a.of('peer-closed')).toEqual([{ kind: 'peer-closed', peer: { address: B.address, port: B.port }, reason: 'revoked' }]);
    expect(s.b.node.sa(A)).toBeUndefined();
    expect(s.b.node.phase(S)).toBe(3);
    expect(s.endpoint.counters).toMatchObject({ applied: 1, associationsClosed: 1 });
    expect(s.logs).toEqual([expect.stringMatching(/notice 7\): revoked node\(s\) .*: 1 association\(s\) closed/)]);
    const again = await s.post(s.t.server.node, { v: 1, seq: 7, nodes: [s.alice], grants: [] });
    expect(again.codeText).toBe('2.04');
    expect(s.endpoint.counters).toMatchObject({ applied: 2, associationsClosed: 1 });
    expect(s.logs).toHaveLength(1);
  });

  it('a removed grant leaves the association and the other grant: only the requests it covered stop', async () => {
    const s = await setup('rev-grant');
    expect(s.doorGrant).not.toBe('');
    const r = await s.post(s.t.server.node, { v: 1, seq: 1, nodes: [], grants: [s.doorGrant] });
    expect(r.codeText).toBe('2.04');
    await s.a.node.send(B, { srcPort: 5000, dstPort: 5683, payload: Uint8Array.of(2) });
    await s.t.settle();
    const ctx = s.b.inbox.at(-1)!.ctx;
    expect(ctx).toMatchObject({ phase: 3, grants: [{ devices: 'rack1-*' }] });
    expect(ctx.phase === 3 ? ctx.grants : []).toHaveLength(1);
    expect(s.a.of('peer-closed')).toEqual([]);
    expect(s.endpoint.counters).toMatchObject({ applied: 1, grantsWithdrawn: 1, associationsClosed: 0 });
  });

  it('a phase 3 that completes after the notice, with a ticket sealed before the change, is closed or narrowed as soon as it is up', async () => {
    const s = await setup('rev-late');
    expect((await s.post(s.t.server.node, { v: 1, seq: 1, nodes: [s.alice], grants: [] })).codeText).toBe('2.04');
    // The test authority never heard of the revocation: it vouches for alice again, as a verdict on the way would.
    const again = s.t.add('a-again', C, s.aliceIdentity);
    await s.t.clock.settle(again.node.connect(B).then(() => again.node.phase3Ready(B)).catch(() => undefined));
    await s.t.settle();
    expect(again.of('peer-closed')).toMatchObject([{ reason: 'revoked' }]);
    expect(s.b.node.associationsWith(s.alice)).toEqual([]);
    expect(s.endpoint.counters.associationsClosed).toBe(2);
  });

  it('a removed grant is also taken from a phase 3 that completes after the notice', async () => {
    const s = await setup('rev-late-grant');
    expect((await s.post(s.t.server.node, { v: 1, seq: 1, nodes: [], grants: [s.doorGrant] })).codeText).toBe('2.04');
    const again = s.t.add('a-again', C, s.aliceIdentity);
    await s.t.clock.settle(again.node.connect(B).then(() => again.node.phase3Ready(B)));
    await again.node.send(B, { srcPort: 5000, dstPort: 5683, payload: Uint8Array.of(3) });
    await s.t.settle();
    const ctx = s.b.inbox.at(-1)!.ctx;
    expect(ctx).toMatchObject({ phase: 3, peer: { address: C.address }, grants: [{ devices: 'rack1-*' }] });
    expect(ctx.phase === 3 ? ctx.grants : []).toHaveLength(1);
  });

  it('refuses anyone but the pinned trusted server: an operator at phase 3 gets 4.03, a phase-2 node 4.01; only counted', async () => {
    const s = await setup('rev-refuse');
    const fromOperator = await s.post(s.a.node, { v: 1, seq: 1, nodes: [s.alice], grants: [s.doorGrant] });
    expect(fromOperator.codeText).toBe('4.03');
    const anon = s.t.add('c', C);
    await s.t.clock.settle(anon.node.connect(B));
    const fromAnonymous = await s.post(anon.node, { v: 1, seq: 1, nodes: [s.alice], grants: [] });
    expect(fromAnonymous.codeText).toBe('4.01');
    expect(s.endpoint.counters).toMatchObject({ forbidden: 1, unauthenticated: 1, applied: 0 });
    expect(s.b.node.sa(A)).toBeDefined();
    expect(s.logs).toEqual([]);
  });

  it('names the field of a bad notice from the server, and takes JSON only', async () => {
    const s = await setup('rev-bad');
    const bad = await s.post(s.t.server.node, { v: 1, seq: 1, nodes: ['not-a-uuid'], grants: [] });
    expect(bad.codeText).toBe('4.00');
    expect(bad.diagnostic).toMatch(/^nodes: "not-a-uuid" is not a node ID/);
    const cbor = await s.post(s.t.server.node, { v: 1, seq: 1, nodes: [], grants: ['g1'] }, ContentFormat.Cbor);
    expect(cbor.codeText).toBe('4.15');
    expect(s.b.node.sa(A)).toBeDefined();
    expect(s.endpoint.counters).toMatchObject({ rejected: 2, applied: 0 });
  });
});
