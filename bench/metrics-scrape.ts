/**
 * Bench: /metrics on the demo building (10 devices, every kind): how many series, how many
 * bytes, and how long a scrape takes, against /healthz on the same admin server in the same
 * run (the baseline: the same HTTP path, a JSON body built from the same device states).
 *
 * Flow: the demo stack (scripts/demo/stack.ts) on free ports; 5 s for every device to poll;
 * a few commands so the command and duration series exist; then `rounds` scrapes of each,
 * interleaved, one at a time; median and p99 of each, and the ratio of the medians.
 *
 * Run: npx tsx bench/metrics-scrape.ts [rounds, default 300]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { systemClock } from '../common/index.js';
import { freeTcpPort, freeUdpPorts } from '../common/test-support/index.js';
import { runPiactl } from '../operator/index.js';
import { summarize, type RttSummary } from '../pia/cli/index.js';
import { startDemoStack } from '../scripts/demo/index.js';

export interface MetricsScrapeResult {
  readonly series: number;
  readonly families: number;
  readonly bytes: number;
  readonly metrics: RttSummary;
  readonly healthz: RttSummary;
  readonly ratio: number;
}

export async function main(rounds = 300): Promise<MetricsScrapeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pia-bench-metrics-'));
  const base = await freeUdpPorts(16);
  const stack = await startDemoStack({ dir, clock: systemClock(), ports: { trustPia: base, gatewayPia: base + 1, coap: base + 2, admin: await freeTcpPort(), web: 0 }, addressing: 'loopback', logger: pino({ level: 'silent' }), log: () => undefined });
  try {
    const admin = stack.gateway.admin;
    if (admin === undefined) throw new Error('bench: the demo gateway has no admin endpoint');
    const url = (path: string): string => `http://${admin.address}:${admin.port}${path}`;
    await new Promise((r) => setTimeout(r, 5000));
    for (const args of [['set', 'rack-fan/speed', '60'], ['set', 'office-lights/on', 'true'], ['set', 'office-hvac/heatingSetpoint', '80']]) {
      await runPiactl(['--credential', stack.credentials.alice, '--gateway', stack.gatewayPia, '--timeout', '30000', ...args], { stdout: { write: () => true }, stderr: { write: () => true }, signal: new AbortController().signal, env: { PIACTL_KNOWN_GATEWAYS: stack.knownGateways } });
    }
    const timed = async (path: string): Promise<{ ms: number; body: string }> => {
      const t0 = performance.now();
      const res = await fetch(url(path));
      const body = await res.text();
      if (!res.ok) throw new Error(`bench: GET ${path} answered ${res.status}`);
      return { ms: performance.now() - t0, body };
    };
    for (let i = 0; i < 20; i++) await Promise.all([timed('/metrics'), timed('/healthz')]); // warm-up
    const m: number[] = [];
    const h: number[] = [];
    let text = '';
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? (['/metrics', '/healthz'] as const) : (['/healthz', '/metrics'] as const);
      for (const path of order) {
        const r = await timed(path);
        if (path === '/metrics') {
          m.push(r.ms);
          text = r.body;
        } else {
          h.push(r.ms);
        }
      }
    }
    const lines = text.split('\n');
    const metrics = summarize(m);
    const healthz = summarize(h);
    if (metrics === undefined || healthz === undefined) throw new Error('bench: no scrapes (rounds must be ≥ 1)');
    const result: MetricsScrapeResult = {
      series: lines.filter((l) => l !== '' && !l.startsWith('#')).length,
      families: lines.filter((l) => l.startsWith('# TYPE ')).length,
      bytes: Buffer.byteLength(text),
      metrics,
      healthz,
      ratio: metrics.median / healthz.median,
    };
    console.log(`/metrics on the demo building (${stack.gateway.devices.length} devices), ${rounds} scrapes interleaved with /healthz on the same admin server`);
    console.log(`series ${result.series} in ${result.families} metric families, ${(result.bytes / 1024).toFixed(1)} KiB per scrape`);
    console.log(`scrape      median ms   p99 ms`);
    console.log(`/metrics    ${result.metrics.median.toFixed(2).padStart(9)}   ${result.metrics.p99.toFixed(2).padStart(6)}`);
    console.log(`/healthz    ${result.healthz.median.toFixed(2).padStart(9)}   ${result.healthz.p99.toFixed(2).padStart(6)}`);
    console.log(`/metrics ÷ /healthz (median) ${result.ratio.toFixed(2)}`);
    return result;
  } finally {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(Number(process.argv[2] ?? 300));
