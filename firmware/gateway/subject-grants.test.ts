/**
 * The uplink subject's grants from the real trusted server, in memory (docs/protocol.md §9.10):
 * fetched over the gateway's phase-3 association, counted down on the gateway's clock, a grant
 * removed at the server gone within the ticket lifetime, none kept past its validity while the
 * server is unreachable; the server refuses an operator (not a gateway) and an unknown subject.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CoapClient, piaTransport } from '../../coap/index.js';
import { decodeGrants, SubjectGrants } from './subject-grants.js';
import { TRUST_SERVER, trustedGateway, type TrustedGateway } from './test-support/index.js';

let t: TrustedGateway | undefined;
let grants: SubjectGrants | undefined;
afterEach(async () => {
  await grants?.close();
  await t?.close();
  t = undefined;
  grants = undefined;
});

async function until(g: TrustedGateway, cond: () => boolean, maxMs = 60_000): Promise<void> {
  for (let spent = 0; !cond(); spent += 100) {
    if (spent > maxMs) throw new Error(`not within ${maxMs} simulated ms`);
    await g.clock.advance(100);
  }
}

async function setup(rights: string[] = ['control']): Promise<{ g: TrustedGateway; s: SubjectGrants; changes: () => number; warnings: string[] }> {
  const g = await trustedGateway({ ticketLifetimeS: 60, uplink: { url: 'mqtt://127.0.0.1:1', subject: { label: 'ha', grants: [{ devices: 'rack-fan', rights }] } } });
  t = g;
  const warnings: string[] = [];
  const s = new SubjectGrants({ node: g.gateway.pia.node, trustServer: TRUST_SERVER, subject: g.subjectId ?? '', clock: g.clock, log: { info: () => undefined, warn: (m) => void warnings.push(m) }, random: () => 0.25 });
  grants = s;
  let n = 0;
  s.onChange(() => n++);
  return { g, s, changes: () => n, warnings };
}

describe("the uplink subject's grants", () => {
  it('are fetched over phase 3 and counted down on the gateway clock', async () => {
    const { g, s, changes } = await setup();
    await until(g, () => s.current().grants.length === 1);
    expect(s.current()).toMatchObject({ label: 'ha', grants: [{ devices: 'rack-fan', rights: ['control'] }] });
    const first = s.current().grants[0]?.validS ?? 0;
    expect(first).toBeGreaterThan(50);
    expect(first).toBeLessThanOrEqual(60);
    await g.clock.advance(20_000);
    expect(s.current().grants[0]?.validS).toBeLessThanOrEqual(first - 19);
    expect(s.status()).toMatchObject({ outcome: 'ok', grants: 1 });
    expect(changes()).toBe(1);
  });

  it('a grant removed at the server is gone within the ticket lifetime, and listeners hear it', async () => {
    const { g, s, changes } = await setup();
    await until(g, () => s.current().grants.length === 1);
    const id = s.current().grants[0]?.id ?? '';
    const removed = await g.admin(['grant', 'remove', id]);
    expect(removed.code, removed.stderr).toBe(0);
    await g.clock.advance(10_000);
    expect(s.current().grants).toHaveLength(1); // not before the refresh
    await until(g, () => s.current().grants.length === 0, 60_000);
    expect(changes()).toBe(2);
  });

  it('withdraw (a notice from the trusted server, docs/protocol.md §9.11) drops the grant at once and asks again now', async () => {
    const { g, s, changes } = await setup();
    await until(g, () => s.current().grants.length === 1);
    const id = s.current().grants[0]?.id ?? '';
    expect(s.withdraw(['some-other-grant'])).toBe(false);
    expect(changes()).toBe(1);
    const removed = await g.admin(['grant', 'remove', id]);
    expect(removed.code, removed.stderr).toBe(0);
    await g.clock.advance(1_000); // the gateway's own subject grants hear the server's notice and ask again
    const asked = g.server.reports.endpoint.counters.grantQueries;
    expect(s.withdraw([id])).toBe(true);
    expect(s.current().grants).toEqual([]);
    expect(changes()).toBe(2);
    await g.clock.advance(1_000);
    expect(g.server.reports.endpoint.counters.grantQueries).toBeGreaterThan(asked); // re-fetched at once, not at 80 % of the lifetime
    expect(s.current().grants).toEqual([]);
  });

  it('none is kept beyond its validity while the trusted server is unreachable', async () => {
    const { g, s, warnings } = await setup();
    await until(g, () => s.current().grants.length === 1);
    const validS = s.current().grants[0]?.validS ?? 0;
    g.net.intercept((d) => (d.to.address === TRUST_SERVER.address ? 'drop' : undefined));
    await g.clock.advance((validS - 2) * 1000);
    expect(s.current().grants).toHaveLength(1);
    await g.clock.advance(2_000);
    expect(s.current().grants).toEqual([]);
    await until(g, () => warnings.length > 0, 60_000);
    expect(warnings[0]).toMatch(/grants not fetched from the trusted server .*; retrying in \d+ s/);
  });

  it('the server answers gateways only, and names an unknown subject', async () => {
    const { g } = await setup();
    const op = await g.operator('mallory', '2001:db8:99::7');
    const client = op.client(TRUST_SERVER);
    await g.settle(op.node.connect(TRUST_SERVER));
    await g.settle(op.node.phase3Ready(TRUST_SERVER));
    const asOperator = await g.settle(client.request('GET', { to: { address: TRUST_SERVER.address, port: 5683 }, path: ['pia', 'grants'], query: [`subject=${g.subjectId ?? ''}`] }, { via: TRUST_SERVER }));
    expect(asOperator.codeText).toBe('4.01');
    const transport = piaTransport(g.gateway.pia.node, { port: 61_000, route: () => TRUST_SERVER });
    const gw = new CoapClient({ transport, clock: g.clock, random: () => 0 });
    try {
      await g.settle(g.gateway.pia.node.phase3Ready(TRUST_SERVER));
      const unknown = await g.settle(gw.request('GET', { to: { address: TRUST_SERVER.address, port: 5683 }, path: ['pia', 'grants'], query: ['subject=00000000-0000-4000-8000-000000000000'] }, { via: TRUST_SERVER }));
      expect(unknown.codeText).toBe('4.04');
      expect(unknown.diagnostic).toMatch(/is not an active node of this trusted server; register it with pia-trust node add/);
    } finally {
      await gw.close();
      await transport.close();
    }
  });
});

describe("the gateway's check of the answer", () => {
  const subject = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
  const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
  it('takes a well-formed answer and names what is wrong in a bad one', () => {
    expect(decodeGrants(enc({ v: 1, subject, label: 'ha', lifetimeS: 60, grants: [{ id: 'g', devices: '*', rights: ['read'], validS: 60 }] }), subject)).toEqual({ label: 'ha', lifetimeS: 60, grants: [{ id: 'g', devices: '*', rights: ['read'], validS: 60 }] });
    expect(decodeGrants(enc({ v: 1, subject: 'bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee', label: 'ha', lifetimeS: 60, grants: [] }), subject)).toBe('subject is not the one asked for');
    expect(decodeGrants(enc({ v: 1, subject, label: 'ha', lifetimeS: 60, grants: [{ id: 'g', devices: '*', rights: ['read'], validS: 61 }] }), subject)).toBe('a grant has a validS outside 0–lifetimeS');
    expect(decodeGrants(enc({ v: 1, subject, label: 'ha', lifetimeS: 601, grants: [] }), subject)).toBe('lifetimeS is not a whole number 0–600');
    expect(decodeGrants(Uint8Array.of(0xff), subject)).toBe('not UTF-8 JSON');
  });
});
