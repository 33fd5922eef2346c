import { describe, expect, it } from 'vitest';
import { resourceUse } from './describe.js';

describe("what a device's resources take (?describe)", () => {
  it('writable properties with their range and unit, actions and blobs with their parameters', () => {
    const use = resourceUse({
      properties: [
        { name: 'coolingSetpoint', type: 'number', min: 16, max: 30, unit: 'Cel', writable: true },
        { name: 'roomTemperature', type: 'number', unit: 'Cel', writable: false },
        { name: 'on', type: 'boolean', writable: true },
      ],
      actions: [{ name: 'unlock', params: [{ name: 'seconds', type: 'number', min: 1, max: 30, required: false }] }, { name: 'lock', params: [] }],
      blobs: [{ name: 'snapshot', params: [{ name: 'size', type: 'string', values: ['640x480', '320x240'], required: true }] }],
    });
    expect(Object.fromEntries(use)).toEqual({
      coolingSetpoint: { writable: true, takes: 'writable: number 16–30 °C' },
      roomTemperature: { writable: false, takes: '' },
      on: { writable: true, takes: 'writable: true|false' },
      unlock: { writable: false, takes: 'takes seconds=number 1–30 (optional)' },
      lock: { writable: false, takes: 'takes no parameters' },
      snapshot: { writable: false, takes: 'takes size=one of 640x480|320x240' },
    });
  });

  it('whatever else the gateway sent is read as nothing known, never a crash', () => {
    for (const junk of [null, 42, 'x', [], { properties: 'no' }, { properties: [null, 3, { name: 7 }] }, { actions: [{ name: 'a', params: 'x' }] }]) {
      expect(() => resourceUse(junk)).not.toThrow();
    }
    expect(resourceUse({ actions: [{ name: 'a', params: 'x' }] }).get('a')).toEqual({ writable: false, takes: 'takes no parameters' });
    expect(resourceUse({ properties: [{ name: 7 }] }).size).toBe(0);
  });
});
