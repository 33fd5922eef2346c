/**
 * The `thingsboard` format: ThingsBoard's gateway MQTT API (thingsboard.io/docs/reference/
 * gateway-mqtt-api), the gateway being a ThingsBoard device with "Is gateway" set and each of
 * its devices a ThingsBoard device named `<gatewayId>/<device>` (names are unique per tenant).
 *
 * Must hold:
 * - a device's `v1/gateway/connect` ({"device", "type"}) goes before its first telemetry: queued
 *   ahead of it (the queue sends in order) the first time the device appears, and published
 *   directly on every CONNACK (ThingsBoard ties connected devices to the gateway's session);
 * - telemetry is `v1/gateway/telemetry` `{"<name>": [{"ts": <Unix ms, integer>, "values": {…}}]}`
 *   with `ts` the wall-clock time the uplink received the reading, or when an event happened (a
 *   backlog keeps its times); an event is telemetry too (`event`, `severity`, `message`, `by`);
 *   unknown values (null) are left out;
 * - static facts (kind, part, units) go once as `v1/gateway/attributes` `{"<name>": {…}}`;
 * - nothing is retained and no will is set: ThingsBoard's MQTT transport keeps neither; the
 *   gateway's own health is its device telemetry (`v1/devices/me/telemetry`), and close() sends
 *   `v1/gateway/disconnect` for every device;
 * - no `seq`: ThingsBoard keys telemetry on (device, key, ts), so a re-sent message after a lost
 *   PUBACK overwrites itself instead of duplicating.
 */
import type { DeviceDescription, DeviceEvent, Health, Value } from '../../devices/model/index.js';
import type { NewMessage } from './durable-queue.js';
import type { DirectMessage, HealthReport, UplinkFormat } from './format.js';

export const TB_TOPICS = {
  connect: 'v1/gateway/connect',
  disconnect: 'v1/gateway/disconnect',
  telemetry: 'v1/gateway/telemetry',
  attributes: 'v1/gateway/attributes',
  ownTelemetry: 'v1/devices/me/telemetry',
} as const;

export function thingsboardFormat(gatewayId: string): UplinkFormat {
  /** Device → its ThingsBoard type (kind), for every device connected so far in this process. */
  const connected = new Map<string, string>();
  const nameOf = (device: string): string => `${gatewayId}/${device}`;
  const connectMessage = (device: string, type: string): DirectMessage => ({ topic: TB_TOPICS.connect, retain: false, payload: JSON.stringify({ device: nameOf(device), type }) });
  /** The connect, queued ahead of the device's first telemetry. */
  const ensureConnected = (device: string, type = 'default'): NewMessage[] => {
    if (connected.has(device)) return [];
    connected.set(device, type);
    return [connectMessage(device, type)];
  };
  const telemetry = (device: string, ts: number, values: Record<string, unknown>): NewMessage => ({
    topic: TB_TOPICS.telemetry,
    retain: false,
    payload: JSON.stringify({ [nameOf(device)]: [{ ts: Math.trunc(ts), values }] }),
  });
  return {
    will: undefined,
    retainedStates: undefined,
    seqOf: () => undefined,
    state(device: string, values: Readonly<Record<string, Value>>, health: Health, atMs: number): NewMessage[] {
      const known: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(values)) if (v !== null && v !== undefined) known[k] = v;
      return [...ensureConnected(device), telemetry(device, atMs, { ...known, healthStatus: health.status, healthFailures: health.failures })];
    },
    event(e: DeviceEvent, atMs: number): NewMessage[] {
      const happened = Date.parse(e.at);
      return [...ensureConnected(e.device), telemetry(e.device, Number.isFinite(happened) ? happened : atMs, { event: e.kind, severity: e.severity, message: e.message, by: e.by })];
    },
    announce(devices: readonly DeviceDescription[]): NewMessage[] {
      const out: NewMessage[] = [];
      for (const d of devices) {
        out.push(...ensureConnected(d.name, d.kind));
        const units = Object.fromEntries(d.properties.filter((p) => p.unit !== undefined).map((p) => [p.name, p.unit]));
        out.push({ topic: TB_TOPICS.attributes, retain: false, payload: JSON.stringify({ [nameOf(d.name)]: { gateway: gatewayId, kind: d.kind, part: d.part, units } }) });
      }
      return out;
    },
    onConnect: () => [...connected].map(([device, type]) => connectMessage(device, type)),
    onClose: () => [...connected.keys()].map((device) => ({ topic: TB_TOPICS.disconnect, retain: false, payload: JSON.stringify({ device: nameOf(device) }) })),
    health(r: HealthReport): DirectMessage {
      const { state, queueDepth, dropped, lastSeq, atMs, intervalMs } = r;
      return { topic: TB_TOPICS.ownTelemetry, retain: false, payload: JSON.stringify({ ts: Math.trunc(atMs), values: { uplinkState: state, queueDepth, dropped, lastSeq, healthIntervalMs: intervalMs } }) };
    },
  };
}
