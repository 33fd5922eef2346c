/**
 * The soak (docs/soak.md): the real programs under steady load for N minutes, with restarts,
 * measured. Flow:
 *
 *  1. build the world (setup.ts): trusted server, broker, MQTT watcher, gateway, the steady
 *     operator, each at its place (hosts.ts);
 *  2. for N minutes: every `sampleMs` each program's resident memory (every 3 × `sampleMs` the
 *     gateway's JavaScript heap from its /metrics, reported beside it); every `PIACTL_EVERY_MS`
 *     one real `piactl` command (get, set, ping in turn); at 25 % of the run the trusted server
 *     is killed (SIGKILL) and started again on the same state; at 45 % and 70 % the broker is
 *     stopped, left down `brokerDownMs` (the gateway queues, and past its cap drops), and
 *     started again on the same port; after each restart, the time until a `piactl ping` and
 *     the steady operator's next request both succeed at phase 3 (at most `RECOVERY_MS`);
 *  3. the steady operator stops; the gateway drains its queue to the broker (at most
 *     `DRAIN_MS`), its /metrics and /healthz are read, the watcher gives its count;
 *  4. every program is stopped with SIGTERM (the gateway and the trusted server must exit 0);
 *  5. the figures go to report.ts, which judges them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsxProgram, type SoakHosts } from './hosts.js';
import type { LoadStatus } from './operator-load.js';
import { parsePrometheusText, sumSeries, type Series } from './prometheus-text.js';
import { unhandledErrors } from './programs.js';
import { buildWorld, waitForBroker, type SoakWorld } from './setup.js';
import type { SoakFigures, RestartFigure } from './report.js';
import type { MemorySample } from './slope.js';

const PIACTL_EVERY_MS = 20_000;
const RECOVERY_MS = 120_000;
const DRAIN_MS = 45_000;

export interface SoakOptions {
  readonly minutes: number;
  readonly hosts: SoakHosts;
  readonly log: (message: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The last `{"type":"status", …}` line a program printed. */
export function lastStatus<T>(stdout: string): T | undefined {
  const lines = stdout.split('\n').filter((l) => l.startsWith('{"type":"status"'));
  const last = lines[lines.length - 1];
  return last === undefined ? undefined : (JSON.parse(last) as T);
}

export async function runSoak(o: SoakOptions): Promise<SoakFigures> {
  const t0 = performance.now();
  const now = (): number => performance.now() - t0;
  const runMs = o.minutes * 60_000;
  const dir = mkdtempSync(join(tmpdir(), 'pia-soak-'));
  let world: SoakWorld | undefined;
  try {
    world = await buildWorld(o.hosts, dir, now, o.log);
    return await drive(world, o, now, runMs);
  } finally {
    await o.hosts.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function drive(w: SoakWorld, o: SoakOptions, now: () => number, runMs: number): Promise<SoakFigures> {
  const { hosts, log } = o;
  const start = now();
  const sampleMs = Math.min(5_000, Math.max(1_000, runMs / 60));
  const sampler = setInterval(() => w.all.forEach((p) => p.sample()), sampleMs);
  w.all.forEach((p) => p.sample());
  // The gateway's JavaScript heap (its /metrics), beside its resident memory: a leak grows the
  // heap; RSS also keeps pages the allocator has not given back. Every 3 samples: a read costs a process.
  const heap: MemorySample[] = [];
  const heapSampler = setInterval(() => {
    void adminGet(w, hosts, '/metrics').then((text) => {
      const used = text === undefined ? [] : parsePrometheusText(text).filter((x) => x.name === 'nodejs_heap_size_used_bytes');
      if (used.length === 1) heap.push({ atMs: now(), rssBytes: sumSeries(used, 'nodejs_heap_size_used_bytes') });
    });
  }, sampleMs * 3);
  const piactlRuns = { runs: 0, ok: 0, commandsOk: 0, errors: [] as string[], unhandled: [] as string[] };
  const restarts: RestartFigure[] = [];

  const piactl = async (args: readonly string[]): Promise<{ ok: boolean; stdout: string }> => {
    const r = await hosts.run('operator', tsxProgram('operator/cli/piactl.ts', [...w.piactlOptions, '--json', '--timeout', '10000', ...args]), 60_000);
    piactlRuns.runs++;
    piactlRuns.unhandled.push(...unhandledErrors(r.stderr));
    if (r.code === 0) piactlRuns.ok++;
    else if (piactlRuns.errors.length < 10) piactlRuns.errors.push(`piactl ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim().slice(0, 300)}`);
    return { ok: r.code === 0, stdout: r.stdout };
  };
  let turn = 0;
  const piactlTurn = async (): Promise<void> => {
    const k = turn++ % 3;
    if (k === 0) await piactl(['get', w.uri('rack-temp', 'temperature')]);
    else if (k === 1) {
      if ((await piactl(['set', w.uri('rack-fan', 'speed'), String(30 + (turn % 5) * 10)])).ok) piactlRuns.commandsOk++;
    } else await piactl(['ping']);
  };

  /** Until a piactl ping and the steady operator's next request both succeed at phase 3 after `sinceWall`. */
  const recovery = async (what: string, atMs: number, sinceWall: number): Promise<void> => {
    const deadline = now() + RECOVERY_MS;
    let pinged = false;
    for (;;) {
      if (!pinged) pinged = (await piactl(['ping'])).ok;
      const load = lastStatus<LoadStatus>(w.load.stdout());
      if (pinged && load?.lastOkAtMs !== undefined && load.lastOkAtMs !== null && load.lastOkAtMs > sinceWall) {
        restarts.push({ what, atS: (atMs - start) / 1000, recoveredS: (now() - atMs) / 1000 });
        log(`${what}: back at phase 3 after ${((now() - atMs) / 1000).toFixed(1)} s`);
        return;
      }
      if (now() > deadline) {
        restarts.push({ what, atS: (atMs - start) / 1000, recoveredS: null });
        log(`${what}: NOT back at phase 3 within ${RECOVERY_MS / 1000} s`);
        return;
      }
      await sleep(1_000);
    }
  };

  const brokerDownMs = Math.min(20_000, Math.max(5_000, runMs * 0.05));
  const events: Array<{ at: number; run: () => Promise<void> }> = [
    {
      at: 0.25 * runMs,
      run: async () => {
        const at = now();
        log('trusted server: kill -9, start again on the same state');
        await w.trust.stop('SIGKILL');
        await w.trust.start().waitFor(/admin API on/, 60_000);
        await recovery('trusted server restart', at, Date.now());
      },
    },
    ...[0.45, 0.7].map((f, i) => ({
      at: f * runMs,
      run: async () => {
        const at = now();
        log(`broker: stop ${i + 1} of 2, down ${(brokerDownMs / 1000).toFixed(0)} s, then start again on the same port`);
        await w.broker.stop('SIGTERM');
        await sleep(brokerDownMs);
        w.broker.start();
        await waitForBroker(hosts, w.brokerPort);
        await recovery(`broker restart ${i + 1}`, at, Date.now());
      },
    })),
  ];

  let nextPiactl = start + 5_000;
  while (now() - start < runMs) {
    const due = events[0];
    if (due !== undefined && now() - start >= due.at) {
      events.shift();
      await due.run();
    } else if (now() >= nextPiactl) {
      nextPiactl = now() + PIACTL_EVERY_MS;
      await piactlTurn();
    } else await sleep(250);
  }
  const endMs = now();
  clearInterval(sampler);
  clearInterval(heapSampler);

  // 3. the load stops; the queue drains; the figures are read
  await w.load.stop('SIGTERM');
  const load = lastStatus<LoadStatus>(w.load.stdout());
  const drainUntil = now() + DRAIN_MS;
  let health = await readHealth(w, hosts);
  let delivered = -1;
  for (;;) {
    const watched = lastStatus<{ delivered: number }>(w.watcher.stdout())?.delivered ?? 0;
    if ((health?.uplink?.queueDepth === 0 && watched === delivered) || now() > drainUntil) break;
    delivered = watched;
    await sleep(2_500);
    health = await readHealth(w, hosts);
  }
  const metrics = parsePrometheusText((await adminGet(w, hosts, '/metrics')) ?? '');
  await w.watcher.stop('SIGTERM');
  const watcher = lastStatus<{ delivered: number; duplicates: number; minSeq: number | null; maxSeq: number | null }>(w.watcher.stdout());

  // 4. clean stops
  const gatewayExit = await w.gateway.stop('SIGTERM', 15_000);
  const trustExit = await w.trust.stop('SIGTERM', 15_000);
  await w.broker.stop('SIGTERM');

  return {
    hosts: hosts.kind,
    startMs: start,
    endMs,
    durationS: (endMs - start) / 1000,
    load: load ?? null,
    piactl: { runs: piactlRuns.runs, ok: piactlRuns.ok, commandsOk: piactlRuns.commandsOk, errors: piactlRuns.errors },
    gatewayCommandsOk: sumSeries(metrics, 'pia_gateway_commands_total', { outcome: 'ok' }),
    rekeys: sumSeries(metrics, 'pia_gateway_pia_node_total', { counter: 'rekeys' }),
    mqtt: {
      published: health?.uplink?.lastSeq ?? null,
      delivered: watcher?.delivered ?? 0,
      duplicates: watcher?.duplicates ?? 0,
      firstSeq: watcher?.minSeq ?? null,
      capDropped: metricOrNull(metrics, 'pia_gateway_uplink_dropped_total'),
      queueDepth: health?.uplink?.queueDepth ?? null,
    },
    restarts,
    programs: [
      ...w.all.map((p) => ({ name: p.name, samples: p.samples, crashes: p.crashes, unhandled: unhandledErrors(p.name === 'mosquitto' ? '' : `${p.stderr()}\n${p.stdout()}`) })),
      { name: 'pia-gateway heap', samples: heap, crashes: [], unhandled: [] },
    ],
    piactlUnhandled: piactlRuns.unhandled,
    stops: { gateway: gatewayExit, trust: trustExit },
  };
}

function metricOrNull(metrics: readonly Series[], name: string): number | null {
  return metrics.some((s) => s.name === name) ? sumSeries(metrics, name) : null;
}

interface GatewayHealth {
  readonly uplink?: { readonly queueDepth: number; readonly dropped: number; readonly lastSeq: number; readonly state: string };
}

async function readHealth(w: SoakWorld, hosts: SoakHosts): Promise<GatewayHealth | undefined> {
  const text = await adminGet(w, hosts, '/healthz');
  try {
    return text === undefined ? undefined : (JSON.parse(text) as GatewayHealth);
  } catch {
    return undefined;
  }
}

/** GET on the gateway's admin listener, from the gateway's own place (it listens on that place's loopback). */
async function adminGet(w: SoakWorld, hosts: SoakHosts, path: string): Promise<string | undefined> {
  const script = `fetch('http://127.0.0.1:${w.adminPort}${path}').then(r=>r.text()).then(t=>process.stdout.write(t),e=>{process.stderr.write(String(e));process.exit(1)})`;
  const r = await hosts.run('gateway', [process.execPath, '-e', script], 15_000);
  return r.code === 0 ? r.stdout : undefined;
}
