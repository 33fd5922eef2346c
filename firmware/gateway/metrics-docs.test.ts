/** docs/metrics.md and docs/grafana/pia-gateway.json name exactly the series the gateway exports. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../common/test-support/index.js';
import type { PiaNodeCounters } from '../../pia/node/index.js';
import { GatewayMetrics } from './metrics.js';

/** Every metric a gateway with an MQTT uplink registers. */
async function exported(): Promise<Set<string>> {
  const m = new GatewayMetrics({
    devices: () => [],
    buses: () => ({ i2c: [], modbus: [] }),
    piaCounters: () => ({}) as PiaNodeCounters,
    trust: () => ({ trustServer: 't', check: 'verified', checkDetail: undefined, phase3Granted: 0, phase3Denied: 0, phase3Failed: 0, last: undefined, peers: new Map() }),
    unauthenticated: () => [],
    uplink: () => ({ state: 'connected', queueDepth: 0, dropped: 0, lastSeq: 0, failures: 0 }),
    build: { version: 'v', gatewayId: 'g' },
  });
  return new Set((await m.registry.getMetricsAsJSON()).map((metric) => metric.name));
}

/** A histogram's series are its name plus _bucket, _sum and _count. */
const base = (name: string): string => name.replace(/_(bucket|sum|count)$/, '');

describe('the metrics documentation and dashboard', () => {
  it("docs/metrics.md's table lists every exported metric, and only those", async () => {
    const table = readFileSync(join(REPO_ROOT, 'docs/metrics.md'), 'utf8');
    const documented = new Set([...table.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]));
    expect([...documented].sort()).toEqual([...(await exported())].sort());
  });

  it('every metric a dashboard panel queries is exported', async () => {
    const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'docs/grafana/pia-gateway.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const names = await exported();
    const queried = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\b(pia_gateway_[a-z0-9_]+|process_[a-z_]+|nodejs_[a-z_]+)/g)].map((m) => base(m[1]!))));
    expect(queried.length).toBeGreaterThan(20);
    expect(queried.filter((n) => !names.has(n))).toEqual([]);
    // and every exported metric is on some panel
    expect([...names].filter((n) => !queried.includes(n))).toEqual([]);
  });
});
