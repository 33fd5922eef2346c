/**
 * The device and bus series of /metrics, read at scrape time (metrics.ts says which series
 * exist; docs/metrics.md is the table operators read).
 *
 * Must hold: every label value comes from the configuration or a driver's fixed set (device
 * and property names, units, bus names, error kinds, a property's own text value): nothing a
 * network peer sends becomes a label.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DeviceKind, Health, PropertySpec, Value } from '../../devices/model/index.js';
import type { I2cErrorCount, ModbusLineStats } from './bus-stats.js';

export interface MetricsDevice {
  readonly name: string;
  readonly kind: DeviceKind;
  readonly health: Health;
  readonly values: Readonly<Record<string, Value>>;
  readonly properties: readonly PropertySpec[];
}

export interface DeviceMetricsSource {
  devices(): readonly MetricsDevice[];
  /** I2C errors by bus and kind, Modbus counters by line (bus-stats.ts). */
  buses(): { readonly i2c: readonly I2cErrorCount[]; readonly modbus: readonly ModbusLineStats[] };
}

const HEALTH_VALUE = { ok: 0, degraded: 1, failed: 2 } as const;
/** A text state longer than this is cut (a fault text lists every active fault). */
const MAX_STATE_LABEL = 120;

export function deviceMetrics(source: DeviceMetricsSource, registers: Registry[]): void {
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
  const state: Gauge<'device' | 'property' | 'state'> = new Gauge({
    name: 'pia_gateway_device_state',
    help: 'Text properties (HVAC mode, fault text, a lock alarm): 1 for the current value, one series per device and property; absent while unknown or null',
    labelNames: ['device', 'property', 'state'],
    registers,
    collect: () => {
      state.reset();
      for (const d of source.devices()) {
        for (const p of d.properties) {
          const v = d.values[p.name];
          // A wall-clock time is not a state: as a label it would make a new series at every change.
          if (p.type === 'string' && typeof v === 'string' && p.kind !== 'timestamp') state.set({ device: d.name, property: p.name, state: v.slice(0, MAX_STATE_LABEL) }, 1);
        }
      }
    },
  });
  busMetrics(source, registers);
}

/** RtuMasterStats fields, as the `counter` label (snake case). */
const MODBUS_COUNTERS = { requests: 'requests', retries: 'retries', timeouts: 'timeouts', crcErrors: 'crc_errors', frameErrors: 'frame_errors', exceptions: 'exceptions', failures: 'failures' } as const;

function busMetrics(source: DeviceMetricsSource, registers: Registry[]): void {
  const i2c: Counter<'bus' | 'kind'> = new Counter({
    name: 'pia_gateway_i2c_errors_total',
    help: 'I2C transfers that failed, by bus and kind (nack, timeout, io, …); a bus scan is not counted',
    labelNames: ['bus', 'kind'],
    registers,
    collect: () => {
      i2c.reset();
      for (const e of source.buses().i2c) i2c.inc({ bus: e.bus, kind: e.kind }, e.n);
    },
  });
  const modbus: Counter<'line' | 'counter'> = new Counter({
    name: 'pia_gateway_modbus_total',
    help: 'Modbus RTU master counters per serial line: requests, retries, timeouts, crc_errors, frame_errors, exceptions, failures',
    labelNames: ['line', 'counter'],
    registers,
    collect: () => {
      modbus.reset();
      for (const { line, stats } of source.buses().modbus) {
        for (const [field, counter] of Object.entries(MODBUS_COUNTERS)) modbus.inc({ line, counter }, stats[field as keyof typeof MODBUS_COUNTERS]);
      }
    },
  });
}
