/**
 * Revocation in seconds (docs/protocol.md §9.11), against the whole gateway and the real trusted
 * server in memory with one ManualClock: `pia-trust node revoke` during a `piactl watch` closes
 * the operator's association with CLOSE reason 3 and the watch ends at once (exit 4, its message);
 * `pia-trust grant remove` of one of two grants makes the requests it covered get 4.03 on the same
 * association while the other grant's requests still succeed; the server's tracker remembered
 * the vouch, and the gateway acknowledged. No rekey happens in between (well inside §9.4's 160 s).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPiactl } from '../../operator/index.js';
import { TRUST_SERVER, trustedGateway, type TrustedGateway } from './test-support/index.js';

let t: TrustedGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const OPERATOR = '2001:db8:a::1';

async function ready(g: TrustedGateway): Promise<void> {
  for (let i = 0; i < 1000 && g.gateway.pia.trust.check !== 'verified'; i++) await g.clock.advance(10);
  expect(g.gateway.pia.trust.check).toBe('verified');
}

async function grant(g: TrustedGateway, subject: string, devices: string, rights: string): Promise<string> {
  const r = await g.admin(['grant', 'add', '--subject', subject, '--gateway', g.gatewayId, '--devices', devices, '--rights', rights]);
  expect(r.code, r.stderr).toBe(0);
  return /grant (\S+)/.exec(r.stdout)?.[1] ?? '';
}

describe('revocation notices from the trusted server (§9.11)', () => {
  it('a revoked operator: the piactl watch ends at once with exit 4 and "access revoked by the trusted server"', async () => {
    const g = await trustedGateway();
    t = g;
    await ready(g);
    const op = await g.operatorCredential('alice');
    await grant(g, op.id, '*', 'read');
    let out = '';
    let err = '';
    let code: number | undefined;
    const watch = runPiactl(['--credential', op.file, '--gateway', `[${g.pia.address}]:${g.pia.port}`, '--gateway-id', g.gatewayId, 'watch', 'rack-fan/speed'], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      signal: new AbortController().signal,
      env: { XDG_CONFIG_HOME: join(g.dir, 'piactl-config') },
      clock: g.clock,
      openTransport: (o) => Promise.resolve(g.net.attach(OPERATOR, 41_000, { reportUnreachable: o.connectPeers === true })),
    }).then((c) => (code = c));
    for (let i = 0; i < 3000 && out === ''; i++) await g.clock.advance(10);
    expect(out, err).toMatch(/rack-fan\/speed: /);
    expect(g.server.revocations.tracker.vouchedTo(op.id, g.clock.now())).toEqual([g.gatewayId]);

    const revoked = await g.admin(['node', 'revoke', op.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const from = g.clock.now();
    await g.settle(watch, 10);
    const simulatedMs = g.clock.now() - from;
    expect(code).toBe(4);
    expect(err).toMatch(/watch rack-fan\/speed: the gateway closed the association: access revoked by the trusted server \(CLOSE reason 3\)/);
    expect(simulatedMs).toBeLessThan(5_000); // ManualClock ms (deterministic): no rekey, no retry was needed
    expect(g.gateway.revocations()).toMatchObject({ applied: 1, associationsClosed: 1, forbidden: 0, unauthenticated: 0 });
    for (let i = 0; i < 100 && g.server.revocations.notifier.pending > 0; i++) await g.clock.advance(10); // the 2.04 follows the CLOSE
    expect(g.server.revocations.notifier.counters, g.serverLog.join("\n")).toMatchObject({ made: 1, acknowledged: 1, gaveUp: 0 });
    expect(g.logs.some((l) => /trusted server \(notice \d+\): revoked node/.test(String(l.msg)))).toBe(true);
    expect(g.gateway.pia.node.phase(TRUST_SERVER)).toBe(3); // the server's own association carried it and stays
  });

  it('one of two grants removed: its requests get 4.03 on the same association, the other grant still works', async () => {
    const g = await trustedGateway();
    t = g;
    await ready(g);
    const alice = await g.operator('alice', OPERATOR);
    await grant(g, alice.id, 'rack-fan', 'read');
    const doorGrant = await grant(g, alice.id, 'front-door', 'read');
    expect(doorGrant).not.toBe('');
    await g.settle(alice.node.connect(g.pia).then(() => alice.node.phase3Ready(g.pia)));
    const spi = alice.node.sa(g.pia)?.spiOut;
    const client = alice.client(g.pia);
    const uri = (path: string): string => {
      const d = g.gateway.device(path.split('/')[0] ?? '')!;
      return `coap://[${d.endpoint.address}]:${d.endpoint.port}/${path}`;
    };
    const get = (path: string): Promise<string> => g.settle(client.get(uri(path))).then((r) => r.codeText);
    expect(await get('front-door/locked')).toBe('2.05');
    expect(await get('rack-fan/speed')).toBe('2.05');

    const removed = await g.admin(['grant', 'remove', doorGrant]);
    expect(removed.code, removed.stderr).toBe(0);
    for (let i = 0; i < 100 && g.gateway.revocations().applied === 0; i++) await g.clock.advance(10);
    expect(g.gateway.revocations()).toMatchObject({ applied: 1, grantsWithdrawn: 1, associationsClosed: 0 });
    const refused = await g.settle(client.get(uri('front-door/locked')));
    expect(refused.codeText).toBe('4.03');
    expect(refused.diagnostic).toMatch(/front-door/);
    expect(await get('rack-fan/speed')).toBe('2.05');
    expect(alice.node.sa(g.pia)?.spiOut).toBe(spi); // the same association
  });
});
