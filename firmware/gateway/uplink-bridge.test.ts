/**
 * UplinkBridge on a ManualClock with a recording uplink: changes coalesced per turn and per
 * COALESCE_MS, events passed at once, health changes noticed, the final states queued before
 * the uplink closes, and an uplink that throws never reaches a device's listener.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { Device, DeviceEvent, Health, Value } from '../../devices/model/index.js';
import { GATEWAY_STATE_NAME } from '../uplink/index.js';
import { COALESCE_MS, HEALTH_CHECK_MS, UplinkBridge, type UplinkPort } from './uplink-bridge.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

class FakeDevice {
  values: Record<string, Value> = { speed: 0 };
  h: Health = { status: 'ok', failures: 0 };
  readonly changes: ((p: string, v: Value) => void)[] = [];
  readonly events: ((e: DeviceEvent) => void)[] = [];
  set(v: number): void {
    this.values = { speed: v };
    for (const l of this.changes) l('speed', v);
  }
  asDevice(): Device {
    return {
      describe: () => ({ name: 'fan', kind: 'fan', part: 'test', properties: [], actions: [], blobs: [] }),
      read: () => this.values,
      health: () => this.h,
      onChange: (l: (p: string, v: Value) => void) => (this.changes.push(l), () => this.changes.splice(this.changes.indexOf(l), 1)),
      onEvent: (l: (e: DeviceEvent) => void) => (this.events.push(l), () => this.events.splice(this.events.indexOf(l), 1)),
    } as unknown as Device;
  }
}

function recorder(o: { throws?: boolean } = {}): UplinkPort & { states: Value[]; summaries: Readonly<Record<string, Value>>[]; events: string[]; announced: number; allowedFan: boolean | undefined; closed: boolean } {
  const r = {
    summaries: [] as Readonly<Record<string, Value>>[],
    allowedFan: undefined as boolean | undefined,
    states: [] as Value[],
    events: [] as string[],
    announced: 0,
    closed: false,
    publishState: (d: string, values: Readonly<Record<string, Value>>) => {
      if (o.throws === true) throw new Error('queue broken');
      if (d === GATEWAY_STATE_NAME) return void r.summaries.push(values);
      r.states.push(values.speed ?? null);
    },
    publishEvent: (e: DeviceEvent) => void r.events.push(e.kind),
    announce: (_devices: unknown, allowed?: (device: string, access: string) => boolean) => void (r.announced++, (r.allowedFan = allowed?.('fan', 'control'))),
    health: () => ({ state: 'connected' as const, queueDepth: 0, dropped: 0, lastSeq: 0, failures: 0 }),
    close: () => ((r.closed = true), Promise.resolve()),
  };
  return r;
}

describe('UplinkBridge', () => {
  it('announces and publishes each state at start, then coalesces a burst into one message per turn and per window', async () => {
    const clock = new ManualClock(0);
    const fan = new FakeDevice();
    const up = recorder();
    const bridge = new UplinkBridge(up, [{ name: 'fan', device: fan.asDevice(), health: () => fan.h }], clock, () => undefined);
    expect(up.announced).toBe(1);
    expect(up.states).toEqual([0]);
    fan.set(10);
    fan.set(20);
    expect(up.states).toEqual([0]); // nothing synchronous on the device's path
    await turn();
    expect(up.states).toEqual([0, 20]);
    fan.set(30);
    fan.set(40);
    await turn();
    expect(up.states).toEqual([0, 20]); // inside the window
    await clock.advance(COALESCE_MS);
    await turn();
    expect(up.states).toEqual([0, 20, 40]);
    await bridge.close();
  });

  it('publishes no all-null first state: a device not yet polled goes out at its first change', async () => {
    const clock = new ManualClock(0);
    const fan = new FakeDevice();
    fan.values = { speed: null };
    const up = recorder();
    const bridge = new UplinkBridge(up, [{ name: 'fan', device: fan.asDevice(), health: () => fan.h }], clock, () => undefined);
    expect(up.states).toEqual([]);
    fan.set(15);
    await turn();
    expect(up.states).toEqual([15]);
    await bridge.close();
  });

  it("announces with the subject's access, and again when it changes", async () => {
    const clock = new ManualClock(0);
    const fan = new FakeDevice();
    const up = recorder();
    let may = false;
    const listeners: (() => void)[] = [];
    const access = { allowed: () => may, onChange: (l: () => void) => (listeners.push(l), () => listeners.splice(listeners.indexOf(l), 1)), status: () => ({ subject: 'ha' }) };
    const bridge = new UplinkBridge(up, [{ name: 'fan', device: fan.asDevice(), health: () => fan.h }], clock, () => undefined, access);
    expect([up.announced, up.allowedFan]).toEqual([1, false]);
    may = true;
    for (const l of listeners) l();
    expect([up.announced, up.allowedFan]).toEqual([2, true]);
    await bridge.close();
    expect(listeners).toEqual([]);
  });

  it('passes events at once, notices a health change, and queues the final state before closing the uplink', async () => {
    const clock = new ManualClock(0);
    const fan = new FakeDevice();
    const up = recorder();
    const bridge = new UplinkBridge(up, [{ name: 'fan', device: fan.asDevice(), health: () => fan.h }], clock, () => undefined);
    for (const l of fan.events) l({ device: 'fan', kind: 'stall', severity: 'alarm', message: 'stalled', at: new Date(0).toISOString(), by: 'device' });
    expect(up.events).toEqual(['stall']);
    await clock.advance(COALESCE_MS);
    await turn();
    const before = up.states.length;
    fan.h = { status: 'degraded', failures: 1 };
    await clock.advance(HEALTH_CHECK_MS);
    await turn();
    expect(up.states.length).toBe(before + 1);
    expect(up.summaries).toEqual([
      { devicesOk: 1, devicesDegraded: 0, devicesFailed: 0 },
      { devicesOk: 0, devicesDegraded: 1, devicesFailed: 0 },
    ]);
    fan.values = { speed: 100 }; // the safe speed set by stop(), without a listener call
    await bridge.close();
    expect(up.states.at(-1)).toBe(100);
    expect(up.closed).toBe(true);
    expect(fan.changes).toEqual([]);
  });

  it('an uplink that throws is logged, never thrown into the device', async () => {
    const clock = new ManualClock(0);
    const fan = new FakeDevice();
    const warnings: string[] = [];
    const bridge = new UplinkBridge(recorder({ throws: true }), [{ name: 'fan', device: fan.asDevice(), health: () => fan.h }], clock, (m) => warnings.push(m));
    expect(() => fan.set(5)).not.toThrow();
    await turn();
    expect(warnings).toContain('uplink: cannot publish state of "fan": queue broken');
    await bridge.close();
  });
});
