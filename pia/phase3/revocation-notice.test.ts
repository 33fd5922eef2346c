/** The revocation notice's body (docs/protocol.md §9.11): round trip, splitting, and every refusal naming its field. */
import { describe, expect, it } from 'vitest';
import { decodeRevocationNotice, encodeRevocationNotice, MAX_NOTICE_ENTRIES, MAX_NOTICE_JSON_BYTES, revocationNotices } from './revocation-notice.js';

const ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const bytes = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

describe('revocation notice body (§9.11)', () => {
  it('round-trips, node IDs read in any case and written lower case', () => {
    const text = encodeRevocationNotice({ seq: 5, nodes: [ID], grants: ['g-1'] });
    expect(JSON.parse(text)).toEqual({ v: 1, seq: 5, nodes: [ID], grants: ['g-1'] });
    expect(decodeRevocationNotice(bytes(text))).toEqual({ ok: true, notice: { seq: 5, nodes: [ID], grants: ['g-1'] } });
    expect(decodeRevocationNotice(bytes({ v: 1, seq: 0, nodes: [ID.toUpperCase()], grants: [] }))).toMatchObject({ ok: true, notice: { nodes: [ID] } });
  });

  it('refuses what is malformed, naming the field', () => {
    const cases: [unknown, string][] = [
      ['{', 'payload'],
      [[1], 'payload'],
      [{ v: 2, seq: 1, nodes: [ID], grants: [] }, 'v'],
      [{ v: 1, seq: -1, nodes: [ID], grants: [] }, 'seq'],
      [{ v: 1, seq: 1.5, nodes: [ID], grants: [] }, 'seq'],
      [{ v: 1, seq: 1, nodes: ['x'], grants: [] }, 'nodes'],
      [{ v: 1, seq: 1, nodes: [ID], grants: ['has space'] }, 'grants'],
      [{ v: 1, seq: 1, nodes: [], grants: [] }, 'nodes'],
      [{ v: 1, seq: 1, nodes: Array.from({ length: MAX_NOTICE_ENTRIES + 1 }, () => ID), grants: [] }, 'nodes'],
      [{ v: 1, seq: 1, nodes: [ID], grants: [], extra: true }, 'extra'],
    ];
    for (const [body, field] of cases) expect(decodeRevocationNotice(bytes(body)), JSON.stringify(body)).toMatchObject({ ok: false, field });
    expect(decodeRevocationNotice(new Uint8Array(MAX_NOTICE_JSON_BYTES + 1))).toMatchObject({ ok: false, tooLarge: true });
  });

  it('splits many changes into notices that each fit, numbered in order, nothing lost', () => {
    const grants = Array.from({ length: 40 }, (_, i) => `grant-${String(i).padStart(50, '0')}`);
    const notices = revocationNotices([ID], grants, 10);
    expect(notices.map((n) => n.seq)).toEqual(notices.map((_, i) => 10 + i));
    expect(notices.flatMap((n) => n.grants)).toEqual(grants);
    expect(notices.flatMap((n) => n.nodes)).toEqual([ID]);
    for (const n of notices) {
      const text = encodeRevocationNotice(n);
      expect(text.length).toBeLessThanOrEqual(MAX_NOTICE_JSON_BYTES);
      expect(decodeRevocationNotice(bytes(text)).ok).toBe(true);
    }
    expect(revocationNotices([], [], 1)).toEqual([]);
  });
});
