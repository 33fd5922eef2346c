import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../common/index.js';
import type { I2cBus } from '../../drivers/index.js';
import { createVirtualBuilding } from '../../simulator/index.js';
import { DeviceError, type DeviceEvent, type Value } from '../model/index.js';
import { createThermometer } from './thermometer.js';

function setup(part: 'sht31' | 'bme280' | 'mcp9808' = 'sht31') {
  const clock = new ManualClock();
  const b = createVirtualBuilding({ clock, room: { initialC: 22.5, humidityPct: 48 } });
  const bus = b.host.i2c.get(1) as I2cBus;
  const device = createThermometer({ name: 'rack1-temp', part, bus, clock, intervalMs: 1000, maxIntervalMs: 8000, failAfter: 3, random: () => 0 });
  const events: DeviceEvent[] = [];
  const changes: [string, Value][] = [];
  device.onEvent((e) => events.push(e));
  device.onChange((p, v) => changes.push([p, v]));
  return { clock, b, device, events, changes };
}

describe('thermometer device', () => {
  it('describes its part and only the properties the part measures', () => {
    const sht = setup('sht31').device.describe();
    expect(sht).toMatchObject({ name: 'rack1-temp', kind: 'thermometer', part: 'SHT31 at i2c-1 0x44', actions: [], blobs: [] });
    expect(sht.properties.map((p) => [p.name, p.unit, p.writable, p.observable])).toEqual([
      ['temperature', 'Cel', false, true],
      ['humidity', '%RH', false, true],
    ]);
    expect(setup('bme280').device.describe().properties.map((p) => p.name)).toEqual(['temperature', 'humidity', 'pressure']);
    expect(setup('mcp9808').device.describe().properties.map((p) => p.name)).toEqual(['temperature']);
  });

  it('reads null before the first poll, then the room, and follows it as it changes', async () => {
    const { clock, b, device, changes } = setup();
    expect(device.read()).toEqual({ temperature: null, humidity: null });
    await device.start();
    await clock.advance(50);
    expect(device.read().temperature).toBeCloseTo(b.room.temperatureC, 1);
    expect(device.read().humidity).toBeCloseTo(48, 1);
    expect(device.health()).toMatchObject({ status: 'ok', failures: 0 });
    b.room.temperatureC = 35;
    await clock.advance(1000);
    expect(Math.abs((device.read().temperature as number) - 35)).toBeLessThan(0.02);
    expect(changes.filter(([p]) => p === 'temperature').length).toBeGreaterThanOrEqual(2);
    await device.stop();
    await b.close();
  });

  it('a CRC error is a fault (degraded, last error) and the next poll recovers without an event', async () => {
    const { clock, b, device, events } = setup();
    await device.start();
    await clock.advance(50);
    const before = device.read().temperature;
    b.parts.sht31.faults.inject('crc', 1);
    await clock.advance(1000);
    expect(device.health()).toMatchObject({ status: 'degraded', failures: 1, lastError: { message: expect.stringMatching(/CRC mismatch/) } });
    expect(device.read().temperature).toBe(before); // the last good value stays while degraded
    await clock.advance(2000); // backed off: 2 × interval
    expect(device.health()).toMatchObject({ status: 'ok', failures: 0 });
    expect(events).toEqual([]);
    await device.stop();
    await b.close();
  });

  it('unplugged: degraded, then failed with a sensor-failed alarm and null readings; replugged: recovers by itself', async () => {
    const { clock, b, device, events } = setup();
    await device.start();
    await clock.advance(50);
    b.parts.sht31.faults.inject('unplug');
    await clock.advance(1000);
    expect(device.health().status).toBe('degraded');
    await clock.advance(2000 + 4000);
    expect(device.health()).toMatchObject({ status: 'failed', failures: 3, lastError: { message: expect.stringMatching(/i2c-1 0x44.*unplugged.*\(nack\)/) } });
    expect(device.read()).toEqual({ temperature: null, humidity: null });
    expect(events.map((e) => [e.kind, e.severity])).toEqual([['sensor-failed', 'alarm']]);
    // Backoff: 8 s (capped) between tries while failed.
    await clock.advance(8000);
    expect(device.health().failures).toBe(4);
    b.parts.sht31.faults.clear();
    await clock.advance(8000);
    expect(device.health().status).toBe('ok');
    expect(device.read().temperature).toBeCloseTo(b.room.temperatureC, 1);
    expect(events.map((e) => e.kind)).toEqual(['sensor-failed', 'recovered']);
    await clock.advance(1000);
    expect(device.health().failures).toBe(0); // back to the normal interval
    await device.stop();
    await b.close();
  });

  it('a timeout and NACKs count as failures too; the BME280 is set up again after recovery', async () => {
    const { clock, b, device } = setup('bme280');
    await device.start();
    await clock.advance(100);
    expect(device.read().pressure).toBeCloseTo(101_325, -1);
    b.parts.bme280.faults.inject('timeout', 1);
    await clock.advance(1000);
    expect(device.health()).toMatchObject({ status: 'degraded', lastError: { message: expect.stringMatching(/timeout/) } });
    b.parts.bme280.faults.inject('nack', 2);
    await clock.advance(2000 + 4000);
    expect(device.health().status).toBe('failed');
    await clock.advance(8000);
    expect(device.health().status).toBe('ok');
    expect(device.read().temperature).toBeCloseTo(b.room.temperatureC, 1);
    await device.stop();
    await b.close();
  });

  it('a part whose bus throws everything (synchronously) never throws out of the device', async () => {
    const clock = new ManualClock();
    const broken = new Proxy({ busNumber: 3 } as I2cBus, {
      get(target, key) {
        if (key === 'busNumber') return target.busNumber;
        return () => {
          throw new Error('kernel driver crashed');
        };
      },
    });
    const device = createThermometer({ name: 't', part: 'tmp102', bus: broken, clock, intervalMs: 100, random: () => 0 });
    await device.start();
    await clock.advance(10_000);
    expect(device.health()).toMatchObject({ status: 'failed', lastError: { message: 'kernel driver crashed' } });
    expect(device.read()).toEqual({ temperature: null });
    await device.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('refuses writes: readings are read-only, unknown names not found', async () => {
    const { device } = setup();
    await expect(device.set('temperature', 20)).rejects.toThrow(DeviceError);
    await expect(device.set('temperature', 20)).rejects.toMatchObject({ code: 'invalid', message: 'rack1-temp: property "temperature" is read-only' });
    await expect(device.call('calibrate', {})).rejects.toMatchObject({ code: 'not-found' });
  });

  it('stop() ends polling: no bus traffic afterwards', async () => {
    const { clock, b, device } = setup();
    await device.start();
    await clock.advance(50);
    await device.stop();
    b.room.temperatureC = 40;
    await clock.advance(10_000);
    expect(device.read().temperature).not.toBe(40);
    await b.close();
    expect(clock.pendingTimers).toBe(0); // the fan's tach timer went with the building; none of ours is left
  });
});
