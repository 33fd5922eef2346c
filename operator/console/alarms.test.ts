/** Alarms from the devices' observed properties and health: raised once, cleared once. */
import { describe, expect, it } from 'vitest';
import { AlarmBook, deriveAlarms, type DeviceReading } from './alarms.js';

const ok = { status: 'ok', failures: 0 };
const reading = (kind: string, values: Record<string, unknown>, health = ok): DeviceReading => ({ gateway: 'g:1', device: `my-${kind}`, kind, values, health });

describe('deriveAlarms', () => {
  it('door and safe: forced and held open; fan: stall; hvac: fault with its text; any: health failed', () => {
    expect([...deriveAlarms(reading('door', { alarm: 'forced-door' })).keys()]).toEqual(['door-forced']);
    expect(deriveAlarms(reading('safe', { alarm: 'held-open' })).get('door-held-open')).toMatch(/safe door held open/);
    expect([...deriveAlarms(reading('door', { alarm: null, locked: true })).keys()]).toEqual([]);
    expect([...deriveAlarms(reading('fan', { stalled: true })).keys()]).toEqual(['fan-stall']);
    expect([...deriveAlarms(reading('fan', { stalled: false })).keys()]).toEqual([]);
    expect(deriveAlarms(reading('hvac', { faultCode: 3, faultText: 'coil sensor open' })).get('hvac-fault')).toBe('my-hvac: HVAC fault 3: coil sensor open');
    expect([...deriveAlarms(reading('hvac', { faultCode: 0, faultText: null })).keys()]).toEqual([]);
    const failed = deriveAlarms(reading('thermometer', { temperature: null }, { status: 'failed', failures: 5, lastError: { message: 'SHT31 NACK' } } as DeviceReading['health']));
    expect(failed.get('device-failed')).toBe('my-thermometer: sensor failure (SHT31 NACK)');
    expect([...deriveAlarms(reading('thermometer', {}, { status: 'degraded', failures: 1 })).keys()]).toEqual([]);
  });
});

describe('AlarmBook', () => {
  it('raises an alarm once while it lasts, clears it once, and lists cleared ones after the active', () => {
    const book = new AlarmBook();
    expect(book.update(reading('fan', { stalled: true }), 100)).toEqual([expect.objectContaining({ id: 'g:1|my-fan|fan-stall', kind: 'fan-stall', active: true, since: 100 })]);
    expect(book.update(reading('fan', { stalled: true }), 200)).toEqual([]);
    expect(book.update(reading('door', { alarm: 'forced-door' }), 250)).toHaveLength(1);
    expect(book.update(reading('fan', { stalled: false }), 300)).toEqual([expect.objectContaining({ kind: 'fan-stall', active: false, since: 300 })]);
    expect(book.update(reading('fan', { stalled: false }), 400)).toEqual([]);
    expect(book.all().map((a) => `${a.kind}:${a.active}`)).toEqual(['door-forced:true', 'fan-stall:false']);
  });

  it('a changed text (another HVAC fault) is a new notice of the same alarm, keeping its start', () => {
    const book = new AlarmBook();
    book.update(reading('hvac', { faultCode: 3, faultText: 'a' }), 10);
    expect(book.update(reading('hvac', { faultCode: 4, faultText: 'b' }), 20)).toEqual([expect.objectContaining({ text: 'my-hvac: HVAC fault 4: b', since: 10 })]);
  });
});
