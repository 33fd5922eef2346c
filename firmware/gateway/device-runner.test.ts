import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { Device, DeviceDescription, DeviceKind, Health } from '../../devices/model/index.js';
import type { DeviceConfig } from '../config/index.js';
import { DeviceRunner } from './device-runner.js';

/** A device whose start and stop take as long as the test says (Infinity: never finish). */
class TimedDevice implements Device {
  starts = 0;
  stops = 0;
  constructor(
    private readonly name: string,
    private readonly kind: DeviceKind,
    private readonly clock: ManualClock,
    private readonly journal: string[],
    private readonly o: { startMs?: number; stopMs?: number; failStarts?: number } = {},
  ) {}
  describe(): DeviceDescription {
    return { name: this.name, kind: this.kind, part: 'test', properties: [], actions: [], blobs: [] };
  }
  read(): Record<string, never> {
    return {};
  }
  health(): Health {
    return { status: 'ok', failures: 0 };
  }
  set(): Promise<never> {
    return Promise.reject(new Error('no'));
  }
  call(): Promise<never> {
    return Promise.reject(new Error('no'));
  }
  fetch(): Promise<never> {
    return Promise.reject(new Error('no'));
  }
  onChange(): () => void {
    return () => undefined;
  }
  onEvent(): () => void {
    return () => undefined;
  }
  async start(): Promise<void> {
    this.starts++;
    this.journal.push(`start ${this.name}`);
    await this.wait(this.o.startMs ?? 0);
    if (this.starts <= (this.o.failStarts ?? 0)) throw new Error(`${this.name}: the part did not answer`);
    this.journal.push(`started ${this.name}`);
  }
  async stop(): Promise<void> {
    this.stops++;
    await this.wait(this.o.stopMs ?? 0);
    this.journal.push(`stopped ${this.name}`);
  }
  private wait(ms: number): Promise<void> {
    return ms === Infinity ? new Promise(() => undefined) : this.clock.sleep(ms);
  }
}

const config = (name: string, kind: DeviceKind, index: number): DeviceConfig =>
  kind === 'thermometer'
    ? { kind, name, index, plain: 'off', part: 'sht31', i2c: { bus: 1, address: 0x44 } }
    : ({ kind: kind as 'door', name, index, plain: 'off', relayLine: 17, contactLine: 27 } satisfies DeviceConfig);

const log = (lines: string[]) => ({ info: (m: string) => void lines.push(`info ${m}`), warn: (m: string) => void lines.push(`warn ${m}`), error: (m: string) => void lines.push(`error ${m}`) });

describe('DeviceRunner', () => {
  it('starts every output before any input, even when an output is slow', async () => {
    const clock = new ManualClock();
    const journal: string[] = [];
    const temp = new TimedDevice('temp', 'thermometer', clock, journal);
    const door = new TimedDevice('door', 'door', clock, journal, { startMs: 300 });
    const safe = new TimedDevice('safe', 'safe', clock, journal, { startMs: 100 });
    const runner = new DeviceRunner(
      [temp, door, safe].map((d, i) => ({ config: config(d.describe().name, d.describe().kind, i), device: d, error: undefined })),
      { clock, log: log([]) },
    );
    await clock.settle(runner.startAll());
    expect(journal).toEqual(['start door', 'start safe', 'started safe', 'started door', 'start temp', 'started temp']);
    expect(runner.devices.every((d) => d.running)).toBe(true);
  });

  it('a stop that hangs is given up after the bound; the other devices stop and are reported', async () => {
    const clock = new ManualClock();
    const journal: string[] = [];
    const lines: string[] = [];
    const hung = new TimedDevice('stuck-door', 'door', clock, journal, { stopMs: Infinity });
    const fan = new TimedDevice('fan', 'fan', clock, journal, { stopMs: 50 });
    const runner = new DeviceRunner(
      [hung, fan].map((d, i) => ({ config: config(d.describe().name, d.describe().kind, i), device: d, error: undefined })),
      { clock, log: log(lines), stopTimeoutMs: 2_000 },
    );
    await clock.settle(runner.startAll());
    const started = clock.now();
    const outcomes = await clock.settle(runner.stopAll(), 10);
    expect(clock.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(clock.now() - started).toBeLessThan(2_100);
    expect(outcomes).toEqual([
      { name: 'stuck-door', outcome: 'timed out' },
      { name: 'fan', outcome: 'stopped' },
    ]);
    expect(journal).toContain('stopped fan');
    expect(lines.some((l) => /^error device "stuck-door": stop did not finish within 2000 ms/.test(l))).toBe(true);
  });

  it('a start that fails is retried with a growing delay until it works; one that hangs does not hold up the others', async () => {
    const clock = new ManualClock();
    const journal: string[] = [];
    const lines: string[] = [];
    const flaky = new TimedDevice('flaky', 'fan', clock, journal, { failStarts: 2 });
    const slow = new TimedDevice('slow', 'lighting', clock, journal, { startMs: 30_000 });
    const other = new TimedDevice('other', 'thermometer', clock, journal);
    const runner = new DeviceRunner(
      [flaky, slow, other].map((d, i) => ({ config: config(d.describe().name, d.describe().kind, i), device: d, error: undefined })),
      { clock, log: log(lines), startTimeoutMs: 1_000 },
    );
    await clock.settle(runner.startAll());
    const [f, s, o] = runner.devices;
    expect(o?.running).toBe(true);
    expect(s?.running).toBe(false);
    expect(f?.running).toBe(false);
    expect(f?.health()).toMatchObject({ status: 'failed', lastError: { message: 'start failed: flaky: the part did not answer' } });
    expect(clock.now()).toBe(1_000); // startAll waited for the slow start's bound, no longer
    await clock.advance(4_000); // t = 5 s: first retry, fails again
    expect(flaky.starts).toBe(2);
    await clock.advance(9_999);
    expect(flaky.starts).toBe(2);
    await clock.advance(1); // t = 15 s: second retry, 10 s later, works
    expect(flaky.starts).toBe(3);
    expect(f?.running).toBe(true);
    expect(f?.health().status).toBe('ok');
    await clock.advance(30_000);
    expect(s?.running).toBe(true);
    expect(lines.filter((l) => l.startsWith('error')).map((l) => /retrying in (\d+) s/.exec(l)?.[1])).toEqual(['5', '10']);
    expect(lines).toContain('info device "flaky": started after 2 failed attempt(s)');
  });

  it('a device that could not be built is a placeholder reporting why; it is never started or stopped', async () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const runner = new DeviceRunner([{ config: config('hvac', 'hvac', 0), device: undefined, error: 'register map "x" is not in this build' }], { clock, log: log(lines) });
    await runner.startAll();
    const [h] = runner.devices;
    expect(h?.built).toBe(false);
    expect(h?.health()).toMatchObject({ status: 'failed', lastError: { message: 'cannot be built: register map "x" is not in this build' } });
    await expect(h?.device.set('x', 1)).rejects.toThrow(/hvac is not available: register map "x" is not in this build; fix its entry/);
    expect(await runner.stopAll()).toEqual([]);
  });
});
