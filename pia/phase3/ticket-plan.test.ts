/** §9.6 lifetimes and caps, through the planner and through a whole exchange. */
import { describe, it, expect } from 'vitest';
import { decodeP3 } from './messages.js';
import { checkTicketLifetime, ticketGrants } from './ticket-plan.js';
import { TestRegistry, exchange, keysOf, runOnce } from './test-support/index.js';

describe('ticket lifetimes (§9.6)', () => {
  it('caps at 600 s; a grant ending sooner keeps its own seconds; the ticket lives as long as the latest grant', () => {
    expect(ticketGrants([{ id: 'a', devices: '*', rights: ['read'] }])).toEqual({ lifetimeS: 600, grants: [{ id: 'a', devices: '*', rights: ['read'], validS: 600 }] });
    expect(ticketGrants([{ id: 'a', devices: '*', rights: ['read'], validS: 86_400 }])?.lifetimeS).toBe(600);
    expect(ticketGrants([{ id: 'a', devices: '*', rights: ['read'], validS: 42.9 }])).toMatchObject({ lifetimeS: 42, grants: [{ validS: 42 }] });
    const two = ticketGrants([
      { id: 'short', devices: '*', rights: ['read'], validS: 30 },
      { id: 'long', devices: 'x', rights: ['control'], validS: 5000 },
    ]);
    expect(two).toEqual({ lifetimeS: 600, grants: [{ id: 'short', devices: '*', rights: ['read'], validS: 30 }, { id: 'long', devices: 'x', rights: ['control'], validS: 600 }] });
  });

  it("the server's ticket lifetime caps the ticket and every grant; a grant ending sooner keeps its own seconds", () => {
    const offers = [
      { id: 'open', devices: '*', rights: ['read'] },
      { id: 'soon', devices: 'x', rights: ['control'], validS: 3 },
    ];
    expect(ticketGrants(offers, 5)).toEqual({ lifetimeS: 5, grants: [{ id: 'open', devices: '*', rights: ['read'], validS: 5 }, { id: 'soon', devices: 'x', rights: ['control'], validS: 3 }] });
    expect(ticketGrants([{ id: 'a', devices: '*', rights: ['read'], validS: 86_400 }], 120)?.lifetimeS).toBe(120);
    expect(ticketGrants([{ id: 'a', devices: '*', rights: ['read'], validS: 30 }], 120)?.lifetimeS).toBe(30);
  });

  it('a ticket lifetime outside 1–600 whole seconds is refused, naming the value and the range', () => {
    for (const bad of [0, 601, 1.5, Number.NaN, -5]) {
      expect(() => ticketGrants([{ id: 'a', devices: '*', rights: ['read'] }], bad)).toThrow(/ticket lifetime .* s: must be a whole number of seconds in 1–600/);
    }
    expect(checkTicketLifetime(1)).toBe(1);
    expect(checkTicketLifetime(600)).toBe(600);
  });

  it('grants with less than a second left, or nonsense seconds, do not count: none left → undefined', () => {
    expect(ticketGrants([])).toBeUndefined();
    expect(ticketGrants([{ id: 'a', devices: '*', rights: ['read'], validS: 0.5 }, { id: 'b', devices: '*', rights: ['read'], validS: Number.NaN }])).toBeUndefined();
  });

  it('through an exchange: B gets the capped seconds; an expired grant means denied 5', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    reg.grant(alice, gw, { id: 'soon', validS: 90 });
    const run = await runOnce(await exchange('lifetime', alice, gw), reg.deps());
    expect(keysOf(run.bActions, 'provisional')?.vouched).toMatchObject({ lifetimeS: 90, grants: [{ id: 'soon', validS: 90 }] });
    expect(keysOf(run.aActions, 'established')?.vouched.lifetimeS).toBe(90);
    const capped = await runOnce(await exchange('capped', alice, gw), { ...reg.deps(), ticketLifetimeS: 7 });
    expect(keysOf(capped.bActions, 'provisional')?.vouched).toMatchObject({ lifetimeS: 7, grants: [{ id: 'soon', validS: 7 }] });
    expect(reg.audit.at(-1)).toMatchObject({ event: 'phase3-granted', lifetimeS: 7 });
    reg.grants.splice(0);
    reg.grant(alice, gw, { id: 'gone', validS: 0 });
    const denied = await runOnce(await exchange('expired', alice, gw), reg.deps());
    expect(decodeP3(denied.verdict)).toMatchObject({ status: 1, reason: 5 });
  });

  it('more than 16 grants, or more than 448 bytes of JSON, → denied 9 and audited', async () => {
    const reg = new TestRegistry();
    const alice = reg.add('operator', 'alice');
    const gw = reg.add('gateway', 'gw');
    for (let i = 0; i < 17; i++) reg.grant(alice, gw, { id: `${i}` });
    const many = await runOnce(await exchange('many', alice, gw), reg.deps());
    expect(many.aActions).toMatchObject([{ kind: 'denied', reason: 9, authentic: true }]);
    expect((many.aActions[0] as { text: string }).text).toMatch(/narrow the grants/);
    reg.grants.splice(0);
    reg.grant(alice, gw, { id: 'big', devices: 'd'.repeat(400) });
    const big = await runOnce(await exchange('big', alice, gw), reg.deps());
    expect(big.aActions).toMatchObject([{ kind: 'denied', reason: 9 }]);
    expect(reg.audit.map((r) => r.reason)).toEqual([9, 9]);
    reg.grants.splice(0);
    reg.grant(alice, gw, { id: 'fits', devices: 'd'.repeat(340) });
    const fits = await runOnce(await exchange('fits', alice, gw), reg.deps());
    expect(keysOf(fits.aActions, 'established')).toBeDefined();
  });
});
