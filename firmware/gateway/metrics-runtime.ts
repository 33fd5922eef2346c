/**
 * The gateway's own series of /metrics, read at scrape time: PIA, the trusted server, the
 * unauthenticated refusals, the MQTT uplink, the build and the process (metrics.ts lists them).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PiaNodeCounters } from '../../pia/node/index.js';
import type { UplinkHealth } from '../uplink/index.js';
import type { TrustState } from './pia-endpoint.js';
import type { RefusalCount } from './refusal-summary.js';

export interface RuntimeMetricsSource {
  piaCounters(): Readonly<PiaNodeCounters>;
  trust(): TrustState;
  /** Unauthenticated refusals since start, by phase and code (RefusalSummary.totals). */
  unauthenticated(): readonly RefusalCount[];
  /** The MQTT uplink, when configured: its gauges exist only then. */
  uplink?(): UplinkHealth;
  /** What runs: the firmware version and this gateway's node ID. */
  readonly build: { readonly version: string; readonly gatewayId: string };
}

export function runtimeMetrics(source: RuntimeMetricsSource, registers: Registry[]): void {
  const pia: Counter<'counter'> = new Counter({
    name: 'pia_gateway_pia_node_total',
    help: 'PIA node counters (docs/protocol.md): datagrams, ESP packets, key exchanges, replays, …',
    labelNames: ['counter'],
    registers,
    collect: () => {
      pia.reset();
      for (const [name, value] of Object.entries(source.piaCounters())) pia.inc({ counter: snake(name) }, value);
    },
  });
  const peers: Gauge = new Gauge({ name: 'pia_gateway_pia_peers', help: 'Peers with a PIA SA up', registers, collect: () => peers.set(source.trust().peers.size) });
  const phase3: Counter<'outcome'> = new Counter({
    name: 'pia_gateway_phase3_total',
    help: 'Phase-3 exchanges by outcome',
    labelNames: ['outcome'],
    registers,
    collect: () => {
      const t = source.trust();
      phase3.reset();
      phase3.inc({ outcome: 'granted' }, t.phase3Granted);
      phase3.inc({ outcome: 'denied' }, t.phase3Denied);
      phase3.inc({ outcome: 'failed' }, t.phase3Failed);
    },
  });
  const verified: Gauge = new Gauge({
    name: 'pia_gateway_trust_verified',
    help: '1 when phase 3 with the trusted server verified this gateway, else 0',
    registers,
    collect: () => verified.set(source.trust().check === 'verified' ? 1 : 0),
  });
  const refusals: Counter<'phase' | 'code'> = new Counter({
    name: 'pia_gateway_unauthenticated_refusals_total',
    help: 'Requests refused at phase 1 (plain) or 2 (PIA without identity) and datagrams that are not CoAP ("malformed"), by phase and code; summarized in the audit log once a minute at most',
    labelNames: ['phase', 'code'],
    registers,
    collect: () => {
      refusals.reset();
      for (const c of source.unauthenticated()) refusals.inc({ phase: String(c.phase), code: c.code }, c.n);
    },
  });
  if (source.uplink !== undefined) uplinkMetrics(source.uplink.bind(source), registers);
  processMetrics(source.build, registers);
}

function uplinkMetrics(read: () => UplinkHealth, registers: Registry[]): void {
  const connected: Gauge = new Gauge({ name: 'pia_gateway_uplink_connected', help: '1 while the MQTT uplink is connected to its broker, else 0', registers, collect: () => connected.set(read().state === 'connected' ? 1 : 0) });
  const depth: Gauge = new Gauge({ name: 'pia_gateway_uplink_queue_depth', help: 'Messages waiting in the MQTT uplink queue (not yet acknowledged by the broker)', registers, collect: () => depth.set(read().queueDepth) });
  const dropped: Counter = new Counter({
    name: 'pia_gateway_uplink_dropped_total',
    help: 'Messages the MQTT uplink queue cap dropped (oldest first)',
    registers,
    collect: () => {
      dropped.reset();
      dropped.inc(read().dropped);
    },
  });
}

/** Build info (the Prometheus `_info` convention: value 1, facts as labels) and the process. */
function processMetrics(build: RuntimeMetricsSource['build'], registers: Registry[]): void {
  const info = new Gauge({ name: 'pia_gateway_build_info', help: 'Always 1; the labels say what runs: firmware version, Node.js version, the gateway node ID', labelNames: ['version', 'nodejs', 'gateway_id'], registers });
  info.set({ version: build.version, nodejs: process.versions.node, gateway_id: build.gatewayId }, 1);
  const startedAtS = Date.now() / 1000 - process.uptime();
  const start: Gauge = new Gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since the Unix epoch, in seconds', registers, collect: () => start.set(startedAtS) });
  const rss: Gauge = new Gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes', registers, collect: () => rss.set(process.memoryUsage.rss()) });
  // What the JavaScript heap holds now (live objects and garbage not yet collected): a leak grows it, an allocator keeping freed pages does not.
  const heap: Gauge = new Gauge({ name: 'nodejs_heap_size_used_bytes', help: 'JavaScript heap in use, in bytes', registers, collect: () => heap.set(process.memoryUsage().heapUsed) });
  const cpu: Counter = new Counter({
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time spent, in seconds',
    registers,
    collect: () => {
      const u = process.cpuUsage();
      cpu.reset();
      cpu.inc((u.user + u.system) / 1e6);
    },
  });
}

function snake(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
