import { describe, it, expect } from 'vitest';
import { allowed, validateParams, validateValue } from './validate.js';
import { DeviceError, type ParamSpec, type PropertySpec } from './types.js';

const speed: PropertySpec = {
  name: 'speed',
  type: 'number',
  min: 0,
  max: 100,
  unit: '%',
  writable: true,
  observable: true,
  rt: 'pia.fan.speed',
  description: 'commanded speed',
};
const mode: ParamSpec = { name: 'mode', type: 'string', values: ['cool', 'heat'], required: true, description: 'mode' };
const seconds: ParamSpec = { name: 'seconds', type: 'number', min: 1, max: 30, required: false, description: 'window' };
const flag: ParamSpec = { name: 'force', type: 'boolean', required: false, description: 'force' };

function refusal(fn: () => unknown): DeviceError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeviceError) return e;
    throw e;
  }
  throw new Error('expected a DeviceError');
}

describe('validateValue', () => {
  it('accepts values within the spec and returns them', () => {
    expect(validateValue(speed, 0)).toBe(0);
    expect(validateValue(speed, 100)).toBe(100);
    expect(validateValue(speed, 42.5)).toBe(42.5);
    expect(validateValue(mode, 'heat')).toBe('heat');
    expect(validateValue(flag, false)).toBe(false);
  });

  it('refuses out of range naming the device, property, value and range', () => {
    const e = refusal(() => validateValue(speed, 150, 'rack1-fan'));
    expect(e.code).toBe('invalid');
    expect(e.message).toBe('rack1-fan: speed: 150 is out of range; allowed: a number from 0 to 100 %');
    expect(refusal(() => validateValue(speed, -1)).message).toContain('-1 is out of range');
  });

  it('refuses wrong types without coercion, and non-finite numbers', () => {
    expect(refusal(() => validateValue(speed, '80')).message).toBe('speed: "80" is not a number; allowed: a number from 0 to 100 %');
    expect(refusal(() => validateValue(speed, Number.NaN)).message).toContain('is not a number');
    expect(refusal(() => validateValue(speed, Infinity)).message).toContain('is not a number');
    expect(refusal(() => validateValue(flag, 1)).message).toBe('force: 1 is not a boolean; allowed: true or false');
    expect(refusal(() => validateValue(mode, 3)).message).toContain('is not a string');
    expect(refusal(() => validateValue(speed, undefined)).message).toContain('nothing is not a number');
  });

  it('refuses a string outside the enum and lists the allowed values', () => {
    expect(refusal(() => validateValue(mode, 'dry')).message).toBe('mode: "dry" is not one of the allowed values; allowed: one of "cool", "heat"');
  });

  it('describes one-sided and open ranges', () => {
    expect(allowed({ name: 'x', type: 'number', min: 5 })).toBe('a number ≥ 5');
    expect(allowed({ name: 'x', type: 'number', max: 5, unit: 'Cel' })).toBe('a number ≤ 5 °C');
    expect(allowed({ name: 'x', type: 'number' })).toBe('a number');
    expect(allowed({ name: 'x', type: 'string' })).toBe('a string');
  });
});

describe('validateParams', () => {
  it('returns the given parameters, validated, leaving optional ones out', () => {
    expect(validateParams([mode, seconds], { mode: 'cool' })).toEqual({ mode: 'cool' });
    expect(validateParams([mode, seconds], { mode: 'cool', seconds: 5 })).toEqual({ mode: 'cool', seconds: 5 });
  });

  it('refuses unknown parameters, naming them and the known ones', () => {
    expect(refusal(() => validateParams([mode, seconds], { mode: 'cool', secs: 5 }, 'door unlock')).message).toBe(
      'door unlock: unknown parameter "secs"; known parameters: mode, seconds',
    );
    expect(refusal(() => validateParams([], { x: 1 })).message).toContain('it takes no parameters');
  });

  it('refuses a missing required parameter and a bad value', () => {
    expect(refusal(() => validateParams([mode], {})).message).toBe('parameter "mode" is required; allowed: one of "cool", "heat"');
    expect(refusal(() => validateParams([mode, seconds], { mode: 'cool', seconds: 60 })).message).toContain('seconds: 60 is out of range');
  });
});
