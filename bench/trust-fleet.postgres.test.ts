/**
 * bench/trust-fleet.ts at a tiny size, so it cannot rot: a real PostgreSQL cluster, the fleet
 * loaded identically into both engines, every authorization granted and audited once, and
 * the database server's CPU read from /proc for the PostgreSQL configurations only.
 */
import { describe, expect, it } from 'vitest';
import { DIRECT_GRANTS, GATEWAYS_PER_GROUP } from './trust-fleet-data.js';
import { main } from './trust-fleet.js';

describe('bench/trust-fleet', () => {
  it('runs the three configurations over the same fleet, every vouch granted', async () => {
    const size = { gateways: 12, operators: 40, groups: 2 };
    const r = await main({ ...size, authorizations: 120, warmup: 20, seconds: 120, concurrency: 4 });
    const grants = size.operators * DIRECT_GRANTS + size.groups * Math.min(GATEWAYS_PER_GROUP, size.gateways);
    expect(r.grants).toBe(grants);
    expect(r.grantsLoaded).toEqual({ sqlite: grants, postgres: grants });
    expect(r.configs.map((c) => c.name)).toEqual(['sqlite (file, WAL)', 'postgres ×1 (1 pool)', 'postgres ×2 (2 pools)']);
    for (const c of r.configs) {
      expect(c.authorizations).toBe(120);
      expect(c.auditRecords).toBe(120);
      expect(c.processCpuMs).toBeGreaterThan(0);
      expect(c.cpuMsPerAuthorization).toBeCloseTo((c.processCpuMs + c.dbCpuMs) / c.authorizations, 9);
    }
    const [sqlite, one, two] = r.configs;
    expect(sqlite?.dbCpuMs).toBe(0);
    expect(one?.dbCpuMs).toBeGreaterThan(0);
    expect(two?.dbCpuMs).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo((one?.cpuMsPerAuthorization ?? 0) / (sqlite?.cpuMsPerAuthorization ?? 1), 9);
  }, 180_000);
});
