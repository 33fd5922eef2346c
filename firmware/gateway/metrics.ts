/**
 * Prometheus metrics of the gateway (prom-client, its own Registry: no global state), served
 * on the admin port's /metrics. Values that live elsewhere (device health and readings, the
 * PIA node's counters, the unauthenticated refusals, the process's memory and CPU) are read at
 * scrape time; CoAP answers and audit records are counted as they happen.
 *
 *   pia_gateway_device_health{device,kind}          0 ok, 1 degraded, 2 failed
 *   pia_gateway_device_failures{device}             consecutive failed polls or writes
 *   pia_gateway_device_reading{device,property,unit} every number or boolean (1/0) property
 *   pia_gateway_pia_node_total{counter}             PiaNode.counters (datagrams, ESP, exchanges, …)
 *   pia_gateway_pia_peers                           peers with an SA up
 *   pia_gateway_phase3_total{outcome}               granted, denied, failed (as B or A)
 *   pia_gateway_trust_verified                      1 when phase 3 with the trusted server worked
 *   pia_gateway_coap_requests_total{transport,code} every answered request, "2.05", "4.01", …
 *   pia_gateway_audit_records_total{event}          records appended to the local audit log
 *   pia_gateway_audit_errors_total                  appends that failed
 *   pia_gateway_unauthenticated_refusals_total{phase,code} refusals at phase 1–2 and non-CoAP
 *                                                   datagrams ("malformed"), summarized, not audited one by one (refusal-summary.ts)
 *   pia_gateway_uplink_connected                    1 while the MQTT broker is connected (with an mqtt section)
 *   pia_gateway_uplink_queue_depth                  messages waiting in the uplink's on-disk queue
 *   pia_gateway_uplink_dropped_total                messages the queue cap dropped (oldest first)
 *   process_resident_memory_bytes, process_cpu_seconds_total
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { codeText } from '../../coap/index.js';
import type { DeviceKind, Health, PropertySpec, Value } from '../../devices/model/index.js';
import type { PiaNodeCounters } from '../../pia/node/index.js';
import type { UplinkHealth } from '../uplink/index.js';
import type { TrustState } from './pia-endpoint.js';
import type { RefusalCount } from './refusal-summary.js';

export interface MetricsDevice {
  readonly name: string;
  readonly kind: DeviceKind;
  readonly health: Health;
  readonly values: Readonly<Record<string, Value>>;
  readonly properties: readonly PropertySpec[];
}

export interface MetricsSource {
  devices(): readonly MetricsDevice[];
  piaCounters(): Readonly<PiaNodeCounters>;
  trust(): TrustState;
  /** Unauthenticated refusals since start, by phase and code (RefusalSummary.totals). */
  unauthenticated(): readonly RefusalCount[];
  /** The MQTT uplink, when configured: its gauges exist only then. */
  uplink?(): UplinkHealth;
}

const HEALTH_VALUE = { ok: 0, degraded: 1, failed: 2 } as const;

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #coap: Counter<'transport' | 'code'>;
  readonly #audit: Counter<'event'>;
  readonly #auditErrors: Counter;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    const health: Gauge<'device' | 'kind'> = new Gauge({
      name: 'pia_gateway_device_health',
      help: 'Device health: 0 ok, 1 degraded, 2 failed',
      labelNames: ['device', 'kind'],
      registers,
      collect: () => {
        health.reset();
        for (const d of source.devices()) health.set({ device: d.name, kind: d.kind }, HEALTH_VALUE[d.health.status]);
      },
    });
    const failures: Gauge<'device'> = new Gauge({
      name: 'pia_gateway_device_failures',
      help: 'Consecutive failed polls or writes of the device',
      labelNames: ['device'],
      registers,
      collect: () => {
        failures.reset();
        for (const d of source.devices()) failures.set({ device: d.name }, d.health.failures);
      },
    });
    const reading: Gauge<'device' | 'property' | 'unit'> = new Gauge({
      name: 'pia_gateway_device_reading',
      help: 'Last known value of each numeric or boolean device property (booleans as 1/0); absent while unknown',
      labelNames: ['device', 'property', 'unit'],
      registers,
      collect: () => {
        reading.reset();
        for (const d of source.devices()) {
          for (const p of d.properties) {
            const v = d.values[p.name];
            const n = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : undefined;
            if (n !== undefined && Number.isFinite(n)) reading.set({ device: d.name, property: p.name, unit: p.unit ?? '' }, n);
          }
        }
      },
    });
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
    const rss: Gauge = new Gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes', registers, collect: () => rss.set(process.memoryUsage.rss()) });
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
    if (source.uplink !== undefined) uplinkMetrics(source.uplink.bind(source), registers);
    this.#coap = new Counter({ name: 'pia_gateway_coap_requests_total', help: 'CoAP requests answered, by transport and response code', labelNames: ['transport', 'code'], registers });
    this.#audit = new Counter({ name: 'pia_gateway_audit_records_total', help: 'Records appended to the local audit log, by event', labelNames: ['event'], registers });
    this.#auditErrors = new Counter({ name: 'pia_gateway_audit_errors_total', help: 'Audit appends that failed (see the log)', registers });
  }

  coapAnswered(transport: 'plain' | 'pia', code: number): void {
    this.#coap.inc({ transport, code: codeText(code) });
  }

  auditAppended(event: string): void {
    this.#audit.inc({ event });
  }

  auditFailed(): void {
    this.#auditErrors.inc();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
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

function snake(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
