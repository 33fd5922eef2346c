import { describe, expect, it } from 'vitest';
import type { DeviceDescription } from '../../devices/model/index.js';
import type { NewMessage } from './durable-queue.js';
import { TB_TOPICS, thingsboardFormat } from './thingsboard-format.js';

const fan: DeviceDescription = {
  name: 'rack-fan',
  kind: 'fan',
  part: 'PWM fan',
  properties: [{ name: 'rpm', type: 'number', unit: '/min', writable: false, observable: true, rt: 'pia.rpm', description: 'speed' }],
  actions: [],
  blobs: [],
};
/** The payload as sent (a ThingsBoard message takes no sequence number). */
const text = (m: NewMessage): unknown => {
  expect(typeof m.payload).toBe('string');
  return JSON.parse(m.payload as string);
};

describe('the ThingsBoard format', () => {
  it('connects a device before its first telemetry, once; telemetry has an integer ts and an object of known values', () => {
    const f = thingsboardFormat('gw1');
    const first = f.state('rack-fan', { rpm: 1200, speed: null }, { status: 'ok', failures: 0 }, 1_700_000_000_123.7);
    expect(first.map((m) => m.topic)).toEqual([TB_TOPICS.connect, TB_TOPICS.telemetry]);
    expect(text(first[0]!)).toEqual({ device: 'gw1/rack-fan', type: 'default' });
    expect(text(first[1]!)).toEqual({ 'gw1/rack-fan': [{ ts: 1_700_000_000_123, values: { rpm: 1200, healthStatus: 'ok', healthFailures: 0 } }] });
    const stall = { device: 'rack-fan', kind: 'stall', severity: 'alarm', message: 'no tach pulses', at: new Date(1_700_000_001_000).toISOString(), by: 'device' } as const;
    const second = f.event(stall, 1_700_000_009_000); // queued later: ts is when it happened
    expect(second.map((m) => m.topic)).toEqual([TB_TOPICS.telemetry]);
    expect(text(second[0]!)).toEqual({ 'gw1/rack-fan': [{ ts: 1_700_000_001_000, values: { event: 'stall', severity: 'alarm', message: 'no tach pulses', by: 'device' } }] });
    expect(text(f.event({ ...stall, at: 'not a time' }, 1_700_000_009_000)[0]!)).toMatchObject({ 'gw1/rack-fan': [{ ts: 1_700_000_009_000 }] });
    expect([...first, ...second].every((m) => !m.retain)).toBe(true);
  });

  it('announces a device with its kind as the type and its static attributes; reconnects and disconnects every device known', () => {
    const f = thingsboardFormat('gw1');
    const a = f.announce([fan]);
    expect(a.map((m) => [m.topic, text(m)])).toEqual([
      [TB_TOPICS.connect, { device: 'gw1/rack-fan', type: 'fan' }],
      [TB_TOPICS.attributes, { 'gw1/rack-fan': { gateway: 'gw1', kind: 'fan', part: 'PWM fan', units: { rpm: '/min' } } }],
    ]);
    expect(f.state('rack-fan', { rpm: 1 }, { status: 'ok', failures: 0 }, 1).map((m) => m.topic)).toEqual([TB_TOPICS.telemetry]);
    expect(f.onConnect()).toEqual([{ topic: TB_TOPICS.connect, retain: false, payload: '{"device":"gw1/rack-fan","type":"fan"}' }]);
    expect(f.onClose()).toEqual([{ topic: TB_TOPICS.disconnect, retain: false, payload: '{"device":"gw1/rack-fan"}' }]);
    expect(f.will).toBeUndefined();
    expect(f.retainedStates).toBeUndefined();
    const h = f.health({ state: 'connected', queueDepth: 3, dropped: 0, lastSeq: 0, atMs: 42.9, intervalMs: 30_000 });
    expect(h.topic).toBe(TB_TOPICS.ownTelemetry);
    expect(JSON.parse(h.payload)).toEqual({ ts: 42, values: { uplinkState: 'connected', queueDepth: 3, dropped: 0, lastSeq: 0, healthIntervalMs: 30_000 } });
  });
});
