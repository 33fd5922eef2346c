/**
 * The withdrawals channel (pg-withdrawals.ts) against a real PostgreSQL: what one instance
 * publishes every instance hears, itself included; a large withdrawal arrives whole in parts;
 * a lost session is reopened and hears again; junk on the channel is dropped with a warning.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresInstance } from '../../common/test-support/index.js';
import type { Withdrawal } from '../revocations/index.js';
import { openWithdrawalChannel, parseWithdrawal, splitWithdrawal, WITHDRAWAL_CHANNEL, type WithdrawalChannel } from './pg-withdrawals.js';

let cluster: PostgresInstance;
let url: string;
beforeAll(async () => {
  cluster = await startPostgres();
  url = await cluster.createDatabase('withdrawals');
}, 60_000);
afterAll(async () => {
  await cluster.stop();
});

interface Listener {
  readonly channel: WithdrawalChannel;
  readonly heard: Withdrawal[];
  readonly logs: string[];
}

async function listener(): Promise<Listener> {
  const heard: Withdrawal[] = [];
  const logs: string[] = [];
  const channel = await openWithdrawalChannel({ url, onWithdrawal: (w) => heard.push(w), log: (level, m) => logs.push(`${level}: ${m}`) });
  return { channel, heard, logs };
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const GW = '11111111-2222-4333-8444-555555555555';

describe('the withdrawals channel between server instances (§9.12)', () => {
  it('what one instance publishes, every instance hears (itself too); 300 grants arrive whole, in parts', async () => {
    const [a, b] = [await listener(), await listener()];
    await a.channel.publish({ nodes: ['3f2504e0-4f89-41d3-9a0c-0305e82c3301'] });
    const grants = Array.from({ length: 300 }, (_, i) => ({ id: `grant-${i}`, gateway: GW }));
    await b.channel.publish({ grants });
    for (const l of [a, b]) {
      await until('both withdrawals', () => l.heard.flatMap((w) => w.grants ?? []).length === 300);
      expect(l.heard[0]).toEqual({ nodes: ['3f2504e0-4f89-41d3-9a0c-0305e82c3301'] });
      expect(l.heard.slice(1).flatMap((w) => w.grants ?? [])).toEqual(grants);
      expect(l.heard.length).toBeGreaterThan(2); // split: one notification could not carry 300 grants
    }
    await a.channel.close();
    await b.channel.close();
  });

  it('a lost session is reopened and hears again; a publish while it is down rejects', async () => {
    const l = await listener();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pia-trust withdrawals'");
    await until('the warning', () => l.logs.some((m) => m.includes('withdrawals channel to') && m.includes('lost')));
    await expect(l.channel.publish({ nodes: ['x'] })).rejects.toThrow(/withdrawals channel to postgres:\/\/[^ ]+ is down/);
    await until('the reopening', () => l.logs.some((m) => m.includes('open again')));
    await admin.query('SELECT pg_notify($1, $2)', [WITHDRAWAL_CHANNEL, JSON.stringify({ grants: [{ id: 'g1', gateway: GW }] })]);
    await until('the notice after reopening', () => l.heard.length === 1);
    // junk: dropped with a warning naming the channel, nothing handed on
    await admin.query('SELECT pg_notify($1, $2)', [WITHDRAWAL_CHANNEL, '{"nodes":[42]}']);
    await until('the junk warning', () => l.logs.some((m) => m.includes('not a withdrawal was dropped')));
    expect(l.heard).toHaveLength(1);
    expect(l.logs.join('\n')).not.toContain(cluster.password);
    await admin.end();
    await l.channel.close();
  });
});

describe('withdrawal payloads', () => {
  it('split into parts of at most 60 IDs, each under 7000 bytes, that parse back to the same withdrawal', () => {
    const w: Withdrawal = { nodes: Array.from({ length: 70 }, (_, i) => `node-${i}`), grants: Array.from({ length: 100 }, () => ({ id: 'g'.repeat(64), gateway: GW })) };
    const parts = splitWithdrawal(w);
    expect(parts.map((p) => (p.nodes?.length ?? 0) + (p.grants?.length ?? 0))).toEqual([60, 60, 50]);
    for (const p of parts) expect(Buffer.byteLength(JSON.stringify(p))).toBeLessThan(7000);
    expect(parts.map((p) => parseWithdrawal(JSON.stringify(p)))).toEqual(parts);
  });

  it.each(['', 'not json', '[]', '{}', '{"nodes":"x"}', '{"nodes":[""]}', '{"grants":[{"id":"g"}]}', `{"nodes":["${'x'.repeat(65)}"]}`])('refuses %j', (payload) => {
    expect(parseWithdrawal(payload)).toBeUndefined();
  });
});
