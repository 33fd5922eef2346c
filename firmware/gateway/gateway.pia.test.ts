/**
 * Phase-3 access to the gateway over PIA, in memory (ManualClock, in-memory trusted server):
 * reads and commands allowed by a grant, refused without one, each command and refusal in the
 * hash-chained local audit log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAuditFile } from '../../common/audit/index.js';
import { memoryGateway, type MemoryGateway, type Operator } from './test-support/index.js';

let t: MemoryGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function connected(g: MemoryGateway, op: Operator): Promise<void> {
  await g.settle(op.node.connect(g.pia));
  await g.settle(op.node.phase3Ready(g.pia));
}

describe('phase 3 over PIA', () => {
  it('a read grant allows reads and the gateway refuses commands 4.03 naming the missing right; both audited', async () => {
    t = await memoryGateway();
    await t.clock.advance(3_000);
    const alice = t.operator('alice', '2001:db8:99::1', { devices: '*', rights: ['read'] });
    await connected(t, alice);
    const r = await t.settle(alice.client.get(t.uri('front-door', 'locked')));
    expect(r.codeText).toBe('2.05');
    expect(r.ctx.phase).toBe(3);
    expect(r.json()).toMatchObject({ value: true });

    const put = await t.settle(alice.client.put(t.uri('rack-fan', 'speed'), 40));
    expect(put.codeText).toBe('4.03');
    expect(put.diagnostic).toMatch(new RegExp(`operator ${alice.id} .*has no grant with "control" on device "rack-fan"`));
    expect(t.building.parts.fan.dutyFraction).toBe(1); // still the boot's safe speed

    const last = t.gateway.audit.tail(1)[0];
    expect(last).toMatchObject({ event: 'refused', device: 'rack-fan', request: 'PUT /rack-fan/speed', code: '4.03', phase: 3, nodeId: alice.id });
  });

  it('control and call grants let commands through: the fan changes speed and the door unlocks, then relocks; every command audited', async () => {
    t = await memoryGateway();
    const bob = t.operator('bob', '2001:db8:99::2', { devices: 'rack-*', rights: ['control'] });
    t.trust.grant(bob.id, t.gatewayId, 'front-door', ['call:unlock']);
    await connected(t, bob);

    const speed = await t.settle(bob.client.put(t.uri('rack-fan', 'speed'), 40));
    expect(speed.codeText).toBe('2.04');
    expect(t.building.parts.fan.dutyFraction).toBeCloseTo(0.4, 5);

    const unlock = await t.settle(bob.client.post(t.uri('front-door', 'unlock'), { seconds: 5 }));
    expect(unlock.ok).toBe(true);
    expect(t.building.parts.door.locked).toBe(false);
    await t.clock.advance(5_500);
    expect(t.building.parts.door.locked).toBe(true);

    const lock = await t.settle(bob.client.post(t.uri('front-door', 'lock')));
    expect(lock.codeText).toBe('4.03'); // "lock" needs control on front-door: bob has only call:unlock there

    const bad = await t.settle(bob.client.put(t.uri('rack-fan', 'speed'), 140));
    expect(bad.codeText).toBe('4.00');

    const records = t.gateway.audit.tail(20).filter((x) => x.event === 'command' || x.event === 'refused');
    expect(records.map((x) => [x.event, x.request, typeof x.result === 'string' ? x.result.split(':')[0] : x.result])).toEqual([
      ['command', 'PUT /rack-fan/speed', 'ok'],
      ['command', 'POST /front-door/unlock', 'ok'],
      ['refused', 'POST /front-door/lock', 'refused 4.03'],
      ['command', 'PUT /rack-fan/speed', 'error 4.00'],
    ]);
    for (const x of records) expect(x).toMatchObject({ nodeId: bob.id, phase: 3 });
    expect(JSON.stringify(records)).not.toMatch(/"(value|payload|seconds)"/);
    expect(verifyAuditFile(t.gateway.audit.path)).toMatchObject({ ok: true, records: records.length + 1 }); // + gateway-started
  });

  it('an operator with grants on other devices is refused 4.03; one without any grant never reaches phase 3 and is refused 4.01', async () => {
    t = await memoryGateway();
    const carol = t.operator('carol', '2001:db8:99::3', { devices: 'office-*', rights: ['read'] });
    await connected(t, carol);
    expect((await t.settle(carol.client.get(t.uri('office-temp', 'temperature')))).codeText).toBe('2.05');
    const refused = await t.settle(carol.client.get(t.uri('safe', 'locked')));
    expect(refused.codeText).toBe('4.03');
    expect(refused.diagnostic).toMatch(/no grant with "read" on device "safe"/);

    const dave = t.operator('dave', '2001:db8:99::4');
    await t.settle(dave.node.connect(t.pia));
    await expect(t.settle(dave.node.phase3Ready(t.pia))).rejects.toThrow();
    const r = await t.settle(dave.client.get(t.uri('safe', 'locked')));
    expect(r.codeText).toBe('4.01');
    expect(r.ctx.phase).toBe(2);
    expect(r.diagnostic).toMatch(/needs PIA phase 3, this request came at phase 2/);
    // carol (phase 3) on her own record; dave (phase 2, nobody authenticated him) counted, then summarized
    expect(t.gateway.audit.tail(1).map((x) => [x.event, x.device, x.code, x.phase])).toEqual([['refused', 'safe', '4.03', 3]]);
    expect(await t.gateway.metrics()).toContain('pia_gateway_unauthenticated_refusals_total{phase="2",code="4.01"} 1');
    await t.clock.advance(60_000);
    const summary = t.gateway.audit.tail(1)[0];
    expect(summary).toMatchObject({ event: 'refused-unauthenticated', counts: [{ phase: 2, code: '4.01', n: 1 }] });
    expect(summary?.topSources).toContainEqual({ address: '2001:db8:99::4', n: 1 });
  });

  it('while the audit log cannot be written, commands are refused 5.03 and reads go on', async () => {
    t = await memoryGateway();
    const bob = t.operator('bob', '2001:db8:99::2', { devices: '*', rights: ['control'] });
    await connected(t, bob);
    t.gateway.audit.close(); // every append now fails
    const refusedPlain = await t.settle(t.legacy.get(t.uri('safe', 'locked')));
    expect(refusedPlain.codeText).toBe('4.01');
    await t.clock.advance(60_000); // its summary's append fails
    expect(t.logs.some((l) => l.level === 50 && /audit log: audit log .* is closed/.test(String(l.msg)))).toBe(true);
    const put = await t.settle(bob.client.put(t.uri('rack-fan', 'speed'), 40));
    expect(put.codeText).toBe('5.03');
    expect(put.diagnostic).toMatch(/audit log cannot be written, so commands are refused/);
    expect(t.building.parts.fan.dutyFraction).toBe(1);
    expect((await t.settle(bob.client.get(t.uri('rack-fan', 'speed')))).codeText).toBe('2.05');
    expect(t.gateway.health()).toMatchObject({ status: 'degraded', audit: { writable: false } });
  });

  it('observations end when the trusted server stops vouching for the observer (revoked: phase 2 after the next rekey)', async () => {
    t = await memoryGateway();
    const erin = t.operator('erin', '2001:db8:99::5', { devices: 'office-temp', rights: ['read'] });
    await connected(t, erin);
    const obs = erin.client.observe(t.uri('office-temp', 'temperature')); // plain: off (rack-temp's plain reads would let a phase-2 re-registration through)
    const first = await t.settle(obs[Symbol.asyncIterator]().next());
    expect(first.value?.codeText).toBe('2.05');
    expect(t.gateway.observers()).toBe(1);
    await t.clock.advance(60_000);
    expect(t.gateway.observers()).toBe(1);
    t.trust.revoke(erin.id);
    await t.clock.advance(200_000); // §9.4: within 160 s of a rekey the pair is at phase 2
    expect(t.gateway.pia.node.phase(erin.at)).toBe(2);
    expect(t.gateway.observers()).toBe(0);
    void obs.cancel();
  });
});
