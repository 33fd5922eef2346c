/**
 * Prometheus metrics of the gateway (prom-client, its own Registry: no global state), served
 * on the admin port's /metrics; docs/metrics.md is the operators' table, with the Grafana
 * dashboard that uses them. Values that live elsewhere are read at scrape time
 * (metrics-devices.ts, metrics-runtime.ts); what happens per request is counted here.
 *
 *   pia_gateway_device_health{device,kind}               0 ok, 1 degraded, 2 failed
 *   pia_gateway_device_failures{device}                  consecutive failed polls or writes
 *   pia_gateway_device_reading{device,property,unit}     every number or boolean (1/0) property
 *   pia_gateway_device_state{device,property,state}      1 for each text property's current value
 *   pia_gateway_i2c_errors_total{bus,kind}               failed I2C transfers
 *   pia_gateway_modbus_total{line,counter}               Modbus RTU master counters per serial line
 *   pia_gateway_commands_total{device,name,transport,outcome}  commands (PUT, POST) by outcome
 *   pia_gateway_request_duration_seconds{transport,kind} histogram: arrival to answer, device work included
 *   pia_gateway_coap_requests_total{transport,code}      every answered request, "2.05", "4.01", …
 *   pia_gateway_audit_records_total{event}               records appended to the local audit log
 *   pia_gateway_audit_errors_total                       appends that failed
 *   pia_gateway_pia_node_total{counter}                  PiaNode.counters (datagrams, ESP, exchanges, …)
 *   pia_gateway_pia_peers                                peers with an SA up
 *   pia_gateway_phase3_total{outcome}                    granted, denied, failed (as B or A)
 *   pia_gateway_trust_verified                           1 when phase 3 with the trusted server worked
 *   pia_gateway_unauthenticated_refusals_total{phase,code}  refusals at phase 1–2 and non-CoAP
 *                                                        datagrams ("malformed"), summarized, not audited one by one
 *   pia_gateway_uplink_connected, _queue_depth, _dropped_total   the MQTT uplink (with an mqtt section)
 *   pia_gateway_build_info{version,nodejs,gateway_id}    1
 *   process_start_time_seconds, process_resident_memory_bytes, nodejs_heap_size_used_bytes, process_cpu_seconds_total
 *
 * Must hold: a label value never comes from what a peer sent unless the server resolved it to
 * a configured device and resource first (`request.target`); unknown paths are not labels.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { codeClass, codeText, CoapCode, type ExchangeRecord } from '../../coap/index.js';
import { deviceMetrics, type DeviceMetricsSource } from './metrics-devices.js';
import { runtimeMetrics, type RuntimeMetricsSource } from './metrics-runtime.js';

export type { MetricsDevice } from './metrics-devices.js';

export type MetricsSource = DeviceMetricsSource & RuntimeMetricsSource;

/** How a command ended, from its answer: the `outcome` label. */
export type CommandOutcome = 'ok' | 'refused' | 'invalid' | 'busy' | 'failed';
/** Where a request came from: the `transport` label. */
export type MetricsTransport = 'plain' | 'pia' | 'mqtt';

/** Seconds; a command's answer waits for the audit fsync and the device (a Modbus write: ~50 ms, a snapshot: seconds). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function commandOutcome(code: number, refused: boolean): CommandOutcome {
  if (refused) return 'refused';
  if (codeClass(code) === 2) return 'ok';
  if (code === CoapCode.ServiceUnavailable) return 'busy';
  return codeClass(code) === 4 ? 'invalid' : 'failed';
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #coap: Counter<'transport' | 'code'>;
  readonly #commands: Counter<'device' | 'name' | 'transport' | 'outcome'>;
  readonly #duration: Histogram<'transport' | 'kind'>;
  readonly #audit: Counter<'event'>;
  readonly #auditErrors: Counter;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    deviceMetrics(source, registers);
    runtimeMetrics(source, registers);
    this.#coap = new Counter({ name: 'pia_gateway_coap_requests_total', help: 'CoAP requests answered, by transport and response code', labelNames: ['transport', 'code'], registers });
    this.#commands = new Counter({
      name: 'pia_gateway_commands_total',
      help: 'Commands (property writes, actions) by device, property or action, transport and outcome: ok, refused (policy), invalid (4.xx), busy (5.03), failed',
      labelNames: ['device', 'name', 'transport', 'outcome'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'pia_gateway_request_duration_seconds',
      help: 'From a request’s arrival to its answer (policy, audit fsync and device work included), by transport and kind: read, command, observe',
      labelNames: ['transport', 'kind'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#audit = new Counter({ name: 'pia_gateway_audit_records_total', help: 'Records appended to the local audit log, by event', labelNames: ['event'], registers });
    this.#auditErrors = new Counter({ name: 'pia_gateway_audit_errors_total', help: 'Audit appends that failed (see the log)', registers });
  }

  /** A CoAP exchange answered (the server's onExchange). */
  exchange(record: ExchangeRecord): void {
    const transport: MetricsTransport = record.ctx.phase === 1 ? 'plain' : 'pia';
    this.#coap.inc({ transport, code: codeText(record.code) });
    const { request } = record;
    const command = request.method === 'PUT' || request.method === 'POST';
    const kind = command ? 'command' : request.observe !== undefined ? 'observe' : 'read';
    this.#duration.observe({ transport, kind }, record.durationMs / 1000);
    const target = request.target;
    if (command && target !== undefined && 'name' in target) this.command(target.device, target.name, transport, commandOutcome(record.code, record.refused));
  }

  /** A command from any transport (CoAP through `exchange`, MQTT from the uplink's command intake). */
  command(device: string, name: string, transport: MetricsTransport, outcome: CommandOutcome): void {
    this.#commands.inc({ device, name, transport, outcome });
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
