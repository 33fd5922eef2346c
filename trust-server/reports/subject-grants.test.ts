/** GET /pia/grants's answer (docs/protocol.md §9.10): the query checked, the subject found, its grants planned as a ticket's, bounded. */
import { describe, expect, it } from 'vitest';
import type { GrantOffer } from '../../pia/phase3/index.js';
import { answerGrantsQuery, type SubjectLookup } from './subject-grants.js';

const GW = '11111111-2222-4333-8444-555555555555';
const SUBJECT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

function lookup(offers: readonly GrantOffer[]): SubjectLookup & { asked: [string, string][] } {
  const asked: [string, string][] = [];
  const f = (subject: string, gateway: string): ReturnType<SubjectLookup> => {
    asked.push([subject, gateway]);
    return subject === SUBJECT ? { found: true, label: 'ha-uplink', offers } : { found: false };
  };
  return Object.assign(f, { asked });
}

describe('GET /pia/grants', () => {
  it("answers the subject's grants on the asking gateway, each validS capped at the ticket lifetime", async () => {
    const l = lookup([
      { id: 'g1', devices: 'rack-*', rights: ['read', 'control'] },
      { id: 'g2', devices: 'front-door', rights: ['call:unlock'], validS: 90 },
      { id: 'g3', devices: 'safe', rights: ['read'], validS: 0.5 },
    ]);
    const a = await answerGrantsQuery([`subject=${SUBJECT.toUpperCase()}`], GW, l, 300);
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    expect(JSON.parse(a.json)).toEqual({
      v: 1,
      subject: SUBJECT,
      label: 'ha-uplink',
      lifetimeS: 300,
      grants: [
        { id: 'g1', devices: 'rack-*', rights: ['read', 'control'], validS: 300 },
        { id: 'g2', devices: 'front-door', rights: ['call:unlock'], validS: 90 },
      ],
    });
    expect(l.asked).toEqual([[SUBJECT, GW]]);
  });

  it('answers no grants with lifetime 0 when the subject holds none here', async () => {
    const a = await answerGrantsQuery([`subject=${SUBJECT}`], GW, lookup([]), 600);
    expect(a.ok && JSON.parse(a.json)).toMatchObject({ lifetimeS: 0, grants: [] });
  });

  it('refuses a bad query, an unknown subject, the gateway itself, and more grants than an answer holds', async () => {
    const l = lookup([]);
    for (const q of [[], ['subject=nope'], [`subject=${SUBJECT}`, 'x=1'], [`who=${SUBJECT}`]]) {
      expect(await answerGrantsQuery(q, GW, l, 600)).toMatchObject({ ok: false, status: 'bad-request', diagnostic: expect.stringMatching(/send exactly subject=<node ID>/) as unknown });
    }
    expect(await answerGrantsQuery(['subject=99999999-2222-4333-8444-555555555555'], GW, l, 600)).toMatchObject({ ok: false, status: 'not-found', diagnostic: expect.stringMatching(/register it with pia-trust node add/) as unknown });
    expect(await answerGrantsQuery([`subject=${GW}`], GW, l, 600)).toMatchObject({ ok: false, status: 'not-found' });
    expect(l.asked).toEqual([['99999999-2222-4333-8444-555555555555', GW]]);
    const many = Array.from({ length: 17 }, (_, i) => ({ id: `grant-${i}`, devices: `device-${i}`, rights: ['read'] }));
    expect(await answerGrantsQuery([`subject=${SUBJECT}`], GW, lookup(many), 600)).toMatchObject({ ok: false, status: 'too-large', diagnostic: expect.stringMatching(/narrow the grants/) as unknown });
    const wide = [{ id: 'g', devices: 'd', rights: Array.from({ length: 60 }, (_, i) => `call:action-number-${i}`) }];
    const a = await answerGrantsQuery([`subject=${SUBJECT}`], GW, lookup(wide), 600);
    expect(a).toMatchObject({ ok: false, status: 'too-large' });
  });
});
