import { describe, it, expect } from 'vitest';
import { MANUAL_WALL_START_MS, ManualClock } from '../../common/index.js';
import { DeviceBase } from './base.js';
import { DeviceError, type By, type DeviceDescription, type DeviceEvent, type Value } from './types.js';

const description: DeviceDescription = {
  name: 'demo',
  kind: 'lighting',
  part: 'test part',
  properties: [
    { name: 'level', type: 'number', min: 0, max: 100, unit: '%', writable: true, observable: true, rt: 'pia.level', description: 'level' },
    { name: 'reading', type: 'number', writable: false, observable: true, rt: 'pia.reading', description: 'reading' },
  ],
  actions: [
    {
      name: 'pulse',
      params: [{ name: 'ms', type: 'number', min: 1, max: 1000, required: true, description: 'length' }],
      right: 'call:pulse',
      rt: 'pia.pulse',
      description: 'pulse',
    },
  ],
  blobs: [],
};

/** A minimal kind: writes land in state; a poll reads `source` (throwing when it throws). */
class Demo extends DeviceBase {
  writes: [string, Value][] = [];
  source: () => number = () => 20;
  private readonly poller = this.createPoller(() => this.poll(), { intervalMs: 1000, random: () => 0 });

  constructor(clock: ManualClock) {
    super({ description, clock, failAfter: 2, failedEventKind: 'sensor-failed' });
  }
  start(): Promise<void> {
    this.poller.start();
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return this.poller.stop();
  }
  protected override write(property: string, value: Value): Promise<Value> {
    this.writes.push([property, value]);
    this.update({ [property]: value });
    return Promise.resolve(value);
  }
  protected override invoke(_action: string, params: Readonly<Record<string, Value>>, by: By): Promise<Readonly<Record<string, Value>>> {
    this.emit('pulsed', 'info', `demo pulsed for ${String(params.ms)} ms by ${by}`, by);
    return Promise.resolve({ pulsed: params.ms ?? null });
  }
  protected override healthChanged(_from: string, to: string): void {
    if (to === 'failed') this.update({ reading: null });
  }
  private poll(): Promise<void> {
    this.update({ reading: this.source() });
    return Promise.resolve();
  }
}

async function rejection(p: Promise<unknown>): Promise<DeviceError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DeviceError) return e;
    throw e;
  }
  throw new Error('expected a DeviceError');
}

describe('DeviceBase', () => {
  it('reads every described property, null until known', () => {
    const d = new Demo(new ManualClock());
    expect(d.read()).toEqual({ level: null, reading: null });
    expect(d.describe()).toBe(description);
  });

  it('set validates, then writes, and listeners hear only changes', async () => {
    const d = new Demo(new ManualClock());
    const changes: [string, Value][] = [];
    d.onChange((p, v) => changes.push([p, v]));
    expect(await d.set('level', 40)).toBe(40);
    await d.set('level', 40);
    expect(changes).toEqual([['level', 40]]);
    expect(d.writes).toEqual([
      ['level', 40],
      ['level', 40],
    ]);
    const bad = await rejection(d.set('level', 101));
    expect(bad.code).toBe('invalid');
    expect(bad.message).toContain('demo: level: 101 is out of range');
    expect(d.writes).toHaveLength(2); // nothing reached the hardware
  });

  it('refuses read-only and unknown names with the right codes', async () => {
    const d = new Demo(new ManualClock());
    const ro = await rejection(d.set('reading', 1));
    expect([ro.code, ro.message]).toEqual(['invalid', 'demo: property "reading" is read-only']);
    const nf = await rejection(d.set('colour', 1));
    expect([nf.code, nf.message]).toEqual(['not-found', 'demo: no property "colour"; it has: level, reading']);
    expect((await rejection(d.call('explode', {}))).code).toBe('not-found');
    expect((await rejection(d.fetch('snapshot', {}))).message).toBe('demo: no blob "snapshot"; it has no blobs');
  });

  it('call validates parameters and returns the result', async () => {
    const d = new Demo(new ManualClock());
    expect(await d.call('pulse', { ms: 10 })).toEqual({ pulsed: 10 });
    expect((await rejection(d.call('pulse', { ms: 10, extra: 1 }))).message).toContain('unknown parameter "extra"');
    expect((await rejection(d.call('pulse', {}))).message).toContain('parameter "ms" is required');
  });

  it("a command's events carry the wall time and the caller's subject; local when none is given", async () => {
    const clock = new ManualClock(7_000, Date.parse('2026-12-07T10:40:00.000Z'));
    const d = new Demo(clock);
    const events: DeviceEvent[] = [];
    d.onEvent((e) => events.push(e));
    await d.call('pulse', { ms: 10 }, '7f3a1c2e-0000-4000-8000-000000000001');
    await clock.advance(250);
    await d.call('pulse', { ms: 20 });
    expect(events).toEqual([
      { device: 'demo', kind: 'pulsed', severity: 'info', message: 'demo pulsed for 10 ms by 7f3a1c2e-0000-4000-8000-000000000001', at: '2026-12-07T10:40:00.000Z', by: '7f3a1c2e-0000-4000-8000-000000000001' },
      { device: 'demo', kind: 'pulsed', severity: 'info', message: 'demo pulsed for 20 ms by local', at: '2026-12-07T10:40:00.250Z', by: 'local' },
    ]);
  });

  it('a throwing listener breaks neither the device nor the other listeners', async () => {
    const d = new Demo(new ManualClock());
    const heard: string[] = [];
    d.onChange(() => {
      throw new Error('bad listener');
    });
    d.onChange((p) => heard.push(p));
    await d.set('level', 10);
    expect(heard).toEqual(['level']);
  });

  it('unsubscribes listeners', async () => {
    const d = new Demo(new ManualClock());
    const heard: string[] = [];
    const off = d.onChange((p) => heard.push(p));
    off();
    await d.set('level', 10);
    expect(heard).toEqual([]);
  });

  it('the poller feeds health: failures → failed with an event, readings nulled, then recovery', async () => {
    const clock = new ManualClock();
    const d = new Demo(clock);
    const events: DeviceEvent[] = [];
    d.onEvent((e) => events.push(e));
    await d.start();
    await clock.advance(0);
    expect(d.read().reading).toBe(20);
    expect(d.health().status).toBe('ok');
    d.source = () => {
      throw new Error('unplugged');
    };
    await clock.advance(1000);
    expect(d.health().status).toBe('degraded');
    expect(d.read().reading).toBe(20);
    await clock.advance(2000); // backed off: 2 × 1000
    expect(d.health()).toMatchObject({ status: 'failed', failures: 2, lastError: { message: 'unplugged', at: new Date(MANUAL_WALL_START_MS + 3000).toISOString() } });
    expect(d.read().reading).toBeNull();
    expect(events.map((e) => [e.kind, e.severity, e.device, e.by])).toEqual([['sensor-failed', 'alarm', 'demo', 'device']]);
    d.source = () => 21;
    await clock.advance(4000);
    expect(d.health().status).toBe('ok');
    expect(d.read().reading).toBe(21);
    expect(events.map((e) => e.kind)).toEqual(['sensor-failed', 'recovered']);
    await d.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});
