/**
 * The gateway's report to the real trusted server, in memory (docs/protocol.md §9.9): the
 * device list with kinds, statuses and the firmware version lands in the server's sink once
 * phase 3 is up; a failing device brings a new report within the debounce; an operator (phase
 * 3, not a gateway) and a phase-2-only peer get 4.01 and store nothing. And §9.6: with a
 * 5-second ticket lifetime, a grant removed from the store stops working on an existing
 * association after 5 s, not before (the gateway's context counts whole seconds left: at 3.5 s
 * it still works); the operator's renewal at 80 % of the lifetime is denied (reason 5), so the
 * association is back at phase 2 and the gateway answers 4.01.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ContentFormat } from '../../coap/index.js';
import { DEBOUNCE_MS } from './trust-report.js';
import { FIRMWARE, TRUST_SERVER, trustedGateway, type TrustedGateway } from './test-support/index.js';

let t: TrustedGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const REPORT = `coap://[${TRUST_SERVER.address}]/pia/report`;
const body = JSON.stringify({ v: 1, seq: 9_999_999_999_999, fw: '6.6.6', part: 0, parts: 1, devices: [['fake', 'fan', 'ok']] });

async function until(g: TrustedGateway, cond: () => boolean | Promise<boolean>, maxMs = 60_000): Promise<void> {
  for (let spent = 0; !(await cond()); spent += 100) {
    if (spent > maxMs) throw new Error(`not within ${maxMs} simulated ms`);
    await g.clock.advance(100);
  }
}

describe("the gateway's report to the trusted server", () => {
  it('lands in the store with names, kinds, statuses and the firmware; a failed device is reported again within the debounce', async () => {
    t = await trustedGateway();
    const g = t;
    await until(g, async () => (await g.report(g.gatewayId)) !== undefined);
    const first = (await g.report(g.gatewayId))!;
    expect(first.firmware).toBe(FIRMWARE);
    expect(first.devices.map((d) => [d.name, d.kind, d.status])).toEqual(g.gateway.devices.map((d) => [d.name, d.kind, 'ok']));
    expect(Number.isNaN(Date.parse(first.reportedAt))).toBe(false);
    expect(g.serverLog.some((l) => l.includes(`gateway ${g.gatewayId} (firmware ${FIRMWARE}) reports ${g.gateway.devices.length} device(s): added rack-temp`))).toBe(true);
    expect(g.gateway.report()).toMatchObject({ outcome: 'ok', reports: 1, failures: 0 });
    expect(g.gateway.health()).toMatchObject({ report: { outcome: 'ok', reports: 1 } });

    g.building.parts.sht31.faults.inject('nack');
    await until(g, () => g.gateway.device('rack-temp')?.health().status === 'failed');
    const failedAt = g.clock.now();
    await until(g, async () => (await g.report(g.gatewayId))?.devices.find((d) => d.name === 'rack-temp')?.status === 'failed', DEBOUNCE_MS + 2_000);
    expect(g.clock.now() - failedAt).toBeLessThanOrEqual(DEBOUNCE_MS + 2_000);
    const second = (await g.report(g.gatewayId))!;
    expect(second.devices.find((d) => d.name === 'rack-temp')).toMatchObject({ kind: 'thermometer', status: 'failed', detail: expect.any(String) });
    expect(second.devices.filter((d) => d.name !== 'rack-temp' && d.name !== 'rack-fan').every((d) => d.status === 'ok')).toBe(true);
    expect(g.server.reports.endpoint.counters).toMatchObject({ unauthenticated: 0, rejected: 0 });
  });

  it('a report the server cannot take is a warning and a retry after 5 s, then 10 s; /healthz shows the failure, then the success', async () => {
    let failures = 2;
    t = await trustedGateway({ sinkFails: () => failures-- > 0 });
    const g = t;
    const warnings = (): string[] => g.logs.filter((l) => l.level === 40 && typeof l.msg === 'string' && l.msg.startsWith('report to the trusted server')).map((l) => l.msg as string);
    await until(g, () => warnings().length === 1);
    const firstAt = g.gateway.report().lastAttemptMs ?? 0;
    expect(warnings()[0]).toBe(`report to the trusted server at [${TRUST_SERVER.address}]:4500 failed (part 1 of 1: 5.00 the report could not be stored; retry later); retrying in 5 s`);
    expect(g.gateway.health()).toMatchObject({ report: { outcome: 'failed', detail: expect.stringMatching(/5\.00/), reports: 0, failures: 1 } });
    expect(g.serverLog).toContainEqual(expect.stringMatching(/^warn: report of gateway .* not stored: database is locked \(test\)$/));
    await until(g, () => warnings().length === 2);
    const secondAt = g.gateway.report().lastAttemptMs ?? 0;
    expect(secondAt - firstAt).toBeGreaterThanOrEqual(5_000);
    expect(warnings()[1]).toMatch(/retrying in 10 s$/);
    await until(g, async () => (await g.report(g.gatewayId)) !== undefined);
    expect((g.gateway.report().lastOkMs ?? 0) - secondAt).toBeGreaterThanOrEqual(10_000);
    expect(g.gateway.health()).toMatchObject({ report: { outcome: 'ok', reports: 1, failures: 2 } });
  });

  it('an operator at phase 3 and a peer at phase 2 are answered 4.01; nothing is stored, nothing is logged, both are counted', async () => {
    t = await trustedGateway();
    const g = t;
    await until(g, async () => (await g.report(g.gatewayId)) !== undefined);
    const before = await g.report(g.gatewayId);
    const linesBefore = g.serverLog.length;

    const alice = await g.operator('alice', '2001:db8:a::1');
    await g.settle(alice.node.connect(TRUST_SERVER));
    await g.settle(alice.node.phase3Ready(TRUST_SERVER));
    const asOperator = await g.settle(alice.client(TRUST_SERVER).request('POST', REPORT, { payload: body, contentFormat: ContentFormat.Json }));
    expect(asOperator.codeText).toBe('4.01');
    expect(asOperator.diagnostic).toMatch(/only a gateway reports/);

    const stranger = g.anonymous('2001:db8:b::1');
    await g.settle(stranger.node.connect(TRUST_SERVER));
    expect(stranger.node.phase(TRUST_SERVER)).toBe(2);
    const atPhase2 = await g.settle(stranger.client(TRUST_SERVER).request('POST', REPORT, { payload: body, contentFormat: ContentFormat.Json }));
    expect(atPhase2.codeText).toBe('4.01');
    expect(atPhase2.ctx.phase).toBe(2);
    expect(atPhase2.diagnostic).toMatch(/needs PIA phase 3/);

    expect(await g.report(g.gatewayId)).toEqual(before);
    expect(await g.report(alice.id)).toBeUndefined();
    expect(g.server.reports.endpoint.counters.unauthenticated).toBe(2);
    expect(g.serverLog.slice(linesBefore).filter((l) => /report/.test(l))).toEqual([]);
  });
});

describe('the ticket lifetime (§9.6)', () => {
  it('with ticketLifetimeS 5, a grant removed from the store still works on the association before 5 s and is refused after (the renewal is denied)', async () => {
    t = await trustedGateway({ ticketLifetimeS: 5 });
    const g = t;
    expect(g.server.ticketLifetimeS).toBe(5);
    const bob = await g.operator('bob', '2001:db8:a::2');
    const granted = await g.admin(['grant', 'add', '--subject', bob.id, '--gateway', g.gatewayId, '--devices', 'front-door', '--rights', 'read']);
    expect(granted.code, granted.stderr).toBe(0);
    const grantId = /^grant (\S+) added/.exec(granted.stdout)?.[1] ?? '';
    await g.settle(bob.node.connect(g.pia));
    await g.settle(bob.node.phase3Ready(g.pia));
    const upAt = g.clock.now();
    const client = bob.client(g.pia);
    const uri = `coap://[${g.gateway.device('front-door')!.endpoint.address}]:${g.gateway.device('front-door')!.endpoint.port}/front-door/locked`;
    expect((await g.settle(client.get(uri))).codeText).toBe('2.05');

    g.server.revocations.notifier.close(); // the fallback: a gateway the server does not tell (docs/protocol.md §9.11) converges by the ticket lifetime
    const removed = await g.admin(['grant', 'remove', grantId]);
    expect(removed.code, removed.stderr).toBe(0);
    // The context counts whole seconds left (§9.6: a grant with less than a second left is out), so 3.5 s is "before".
    await g.clock.advance(upAt + 3_500 - g.clock.now());
    const before = await g.settle(client.get(uri));
    expect(before.codeText).toBe('2.05');
    expect(g.clock.now() - upAt).toBeLessThan(4_000);

    const events: string[] = [];
    bob.node.onEvent((e) => events.push(e.kind === 'phase3-denied' ? `${e.kind} ${e.reason}` : e.kind));
    await g.clock.advance(upAt + 5_100 - g.clock.now());
    const after = await g.settle(client.get(uri));
    // Bob renewed its ticket at 80 % of its lifetime (§9.6 renewal): the server, asked again, found no grant.
    expect(events).toContain('phase3-denied 5');
    expect(bob.node.phase(g.pia)).toBe(2);
    expect([after.codeText, after.ctx.phase]).toEqual(['4.01', 2]);
    expect(after.diagnostic).toMatch(/^GET \/front-door\/locked on "front-door" needs PIA phase 3, this request came at phase 2/);
  });
});
