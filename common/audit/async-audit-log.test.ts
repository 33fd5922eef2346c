/**
 * The asynchronous audit interface (async-audit-log.ts) and the batched verifier
 * (chain.ts verifyChainAsync): the adapter changes nothing but the timing, and the
 * asynchronous verifier gives the synchronous one's result on every kind of damage.
 */
import { describe, expect, it } from 'vitest';
import { buildNextRecord, fromSyncAuditLog } from './async-audit-log.js';
import { EMPTY_HEAD, verifyChain, verifyChainAsync, type AuditLine } from './chain.js';
import { createMemoryAuditLog } from './memory-audit-log.js';

const now = (): Date => new Date('2025-03-01T12:00:00.000Z');

async function* slowly(lines: readonly AuditLine[]): AsyncGenerator<AuditLine> {
  for (const l of lines) {
    await Promise.resolve();
    yield l;
  }
}

function sixLines(): string[] {
  const log = createMemoryAuditLog({ now });
  for (let i = 1; i <= 6; i++) log.append('grant-added', { grantId: `g${i}` });
  return [...log.lines];
}

const asLines = (texts: readonly string[]): AuditLine[] => texts.map((text, i) => ({ text, line: i + 1, terminated: true }));

describe('fromSyncAuditLog', () => {
  it('appends, tails and verifies through the synchronous log; a refusal is a rejection that writes nothing', async () => {
    const memory = createMemoryAuditLog({ now });
    const log = fromSyncAuditLog(memory);
    const r = await log.append('node-enrolled', { nodeId: 'n1' });
    expect(memory.all()).toEqual([r]);
    expect(await log.tail(5)).toEqual([r]);
    await expect(log.append('x', { nodeKey: 'AAAA' })).rejects.toThrow(/nodeKey/);
    expect(memory.lines).toHaveLength(1);
    expect(await log.verify()).toEqual({ ok: true, records: 1, lastHash: r.hash });
    await log.close();
  });
});

describe('buildNextRecord', () => {
  it('is the synchronous logs\' record, with the same guard', () => {
    const memory = createMemoryAuditLog({ now });
    const expected = memory.append('grant-added', { grantId: 'g1' });
    expect(buildNextRecord(EMPTY_HEAD, 'grant-added', { grantId: 'g1' }, now())).toEqual(expected);
    expect(() => buildNextRecord(EMPTY_HEAD, 'x', { prev: 'a' }, now())).toThrow(/prev/);
    expect(() => buildNextRecord(EMPTY_HEAD, 'x', { apiToken: 'a' }, now())).toThrow(/apiToken/);
  });
});

describe('verifyChainAsync', () => {
  const damaged: Record<string, (l: string[]) => string[]> = {
    intact: (l) => l,
    'a field changed': (l) => l.map((t, i) => (i === 2 ? t.replace('"g3"', '"g9"') : t)),
    'a record removed': (l) => l.filter((_, i) => i !== 3),
    'two records swapped': (l) => [l[0], l[2], l[1], ...l.slice(3)] as string[],
    'a record repeated': (l) => [...l.slice(0, 3), l[2], ...l.slice(3)] as string[],
    'a line that is not JSON': (l) => l.map((t, i) => (i === 4 ? '{"seq":' : t)),
    'a hash recomputed after an edit': (l) => {
      const r = JSON.parse(l[1] as string) as { prev: string; time: string };
      const fixed = buildNextRecord({ seq: 1, hash: r.prev }, 'grant-added', { grantId: 'gX' }, new Date(r.time));
      return l.map((t, i) => (i === 1 ? JSON.stringify(fixed) : t));
    },
  };
  for (const [what, damage] of Object.entries(damaged)) {
    it(`gives the synchronous verifier's result: ${what}`, async () => {
      const lines = asLines(damage(sixLines()));
      const expected = verifyChain(lines);
      expect(expected.ok).toBe(what === 'intact');
      expect(await verifyChainAsync(slowly(lines))).toEqual(expected);
    });
  }
});
