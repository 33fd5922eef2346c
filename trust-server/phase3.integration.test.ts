/**
 * Phase 3 over real UDP on ::1 (docs/protocol.md §9.4): a trusted server (startTrustServer, in
 * this process, its state in a temporary directory), a gateway B and operators as PiaNodes with
 * identities from the credential files `pia-trust node add --out` wrote. A granted pair reaches
 * phase 3 with each side seeing the other's identity and the grants; an ungranted pair and a
 * revoked node stay at phase 2 and are told why (authentically); every decision is in the
 * audit log, and the log verifies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../common/index.js';
import { verifyAuditFile } from '../common/audit/index.js';
import { MemoryLatchStore, type SecurityContext } from '../pia/discovery/index.js';
import { PiaNode, openUdpTransport, type PiaNodeEvent } from '../pia/node/index.js';
import { loadIdentity } from '../pia/credential/index.js';
import { startTrustServer, type TrustServer } from './server.js';
import { cli } from './test-support/index.js';

let root: string;
let server: TrustServer;
const nodes: PiaNode[] = [];
const state = (): string => join(root, 'state');

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pia-p3-'));
  server = await startTrustServer({ stateDir: state(), pia: { address: '::1', port: 0 }, admin: { address: '127.0.0.1', port: 0 }, env: {}, log: () => undefined });
});
afterAll(async () => {
  for (const n of nodes) await n.close();
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/** A node registered with the server (`node add --out`), running on its own UDP port. */
async function node(kind: 'gateway' | 'operator', label: string): Promise<{ id: string; node: PiaNode; events: PiaNodeEvent[]; data: SecurityContext[] }> {
  const file = join(root, `${label}.json`);
  const added = await cli(['node', 'add', '--kind', kind, '--label', label, '--out', file, '--state', state()]);
  expect(added.code, added.stderr).toBe(0);
  const { identity, trustServer } = loadIdentity(file);
  const transport = await openUdpTransport({ address: '::1', port: 0 });
  const n = new PiaNode({ transport, clock: systemClock(), latches: new MemoryLatchStore(), phase3: { identity, trustServer } });
  nodes.push(n);
  const events: PiaNodeEvent[] = [];
  const data: SecurityContext[] = [];
  n.onEvent((e) => events.push(e));
  n.onData((_payload, ctx) => data.push(ctx));
  return { id: /node (\S+) \(/.exec(added.stdout)?.[1] ?? '', node: n, events, data };
}

describe('phase 3 over UDP with pia-trust', () => {
  it('a granted pair reaches phase 3: identities and grants on both sides, audited', async () => {
    const gw = await node('gateway', 'rack1-gw');
    const alice = await node('operator', 'alice');
    const grant = await cli(['grant', 'add', '--subject', alice.id, '--gateway', gw.id, '--devices', 'rack1-*', '--rights', 'read,call:unlock', '--state', state()]);
    const grantId = /^grant (\S+) added/.exec(grant.stdout)?.[1];
    expect(grantId).toBeDefined();

    await alice.node.connect(gw.node.local, { expectPeer: gw.id });
    await alice.node.phase3Ready(gw.node.local, 15_000);
    expect(alice.node.phase(gw.node.local)).toBe(3);
    const up = alice.events.find((e) => e.kind === 'phase3-up');
    expect(up).toMatchObject({ peerId: gw.id, peerKind: 'gateway', peerLabel: 'rack1-gw', grants: 1 });

    await alice.node.send(gw.node.local, { srcPort: 5683, dstPort: 5683, payload: new Uint8Array([1, 2, 3]) });
    await expect.poll(() => gw.data.length, { timeout: 5000 }).toBeGreaterThan(0);
    const ctx = gw.data[0];
    expect(ctx?.phase).toBe(3);
    if (ctx?.phase !== 3) return;
    expect(ctx.peerIdentity).toEqual({ nodeId: alice.id, kind: 'operator', label: 'alice' });
    expect(ctx.grants).toEqual([expect.objectContaining({ id: grantId, devices: 'rack1-*', rights: ['read', 'call:unlock'] })]);

    const tail = await cli(['audit', 'tail', '-n', '50', '--json', '--state', state()]);
    const records = tail.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toContainEqual(expect.objectContaining({ event: 'phase3-granted', requester: alice.id, responder: gw.id, grants: [grantId] }));
    expect(records).toContainEqual(expect.objectContaining({ event: 'phase3-granted', requester: gw.id, responder: server.serverId, direct: true }));
  });

  it('an ungranted pair and a revoked node stay at phase 2 and are told why', async () => {
    const gw = await node('gateway', 'rack2-gw');
    const bob = await node('operator', 'bob');
    await bob.node.connect(gw.node.local);
    await expect(bob.node.phase3Ready(gw.node.local, 15_000)).rejects.toThrow(/no grant/);
    expect(bob.node.phase(gw.node.local)).toBe(2);
    expect(bob.events).toContainEqual(expect.objectContaining({ kind: 'phase3-denied', reason: 5, authentic: true }));

    const carol = await node('operator', 'carol');
    await cli(['grant', 'add', '--subject', carol.id, '--gateway', gw.id, '--devices', '*', '--rights', 'read', '--state', state()]);
    expect((await cli(['node', 'revoke', carol.id, '--state', state()])).code).toBe(0);
    await carol.node.connect(gw.node.local);
    await expect(carol.node.phase3Ready(gw.node.local, 15_000)).rejects.toThrow(/revoked/);
    expect(carol.node.phase(gw.node.local)).toBe(2);

    const tail = await cli(['audit', 'tail', '-n', '50', '--json', '--state', state()]);
    const denied = tail.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.event === 'phase3-denied');
    expect(denied.map((r) => [r.requester, r.reason])).toEqual(expect.arrayContaining([[bob.id, 5], [carol.id, 2]]));
    expect(verifyAuditFile(server.paths.audit)).toMatchObject({ ok: true });
  });
});
