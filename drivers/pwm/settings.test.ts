import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PwmError } from './errors.js';
import { FRESH_CHANNEL, applyWrite, highFraction, planWrites, validateSettings, type PwmHwState } from './settings.js';
import type { PwmSettings } from './types.js';

function run(state: PwmHwState, target: PwmSettings): PwmHwState {
  let s = state;
  for (const w of planWrites(state, target)) {
    const next = applyWrite(s, w);
    if (typeof next === 'string') throw new Error(`${w.file}=${w.value} refused with ${next} from ${JSON.stringify(s)}`);
    s = next;
  }
  return s;
}

describe('planWrites', () => {
  it('fresh channel: period before duty, enable last', () => {
    expect(planWrites(FRESH_CHANNEL, { periodNs: 40_000, dutyNs: 20_000, enabled: true })).toEqual([
      { file: 'period', value: '40000' },
      { file: 'duty_cycle', value: '20000' },
      { file: 'enable', value: '1' },
    ]);
  });

  it('shrinking period: duty first', () => {
    const cur: PwmHwState = { periodNs: 40_000, dutyNs: 30_000, polarity: 'normal', enabled: true };
    expect(planWrites(cur, { periodNs: 20_000, dutyNs: 10_000, enabled: true })).toEqual([
      { file: 'duty_cycle', value: '10000' },
      { file: 'period', value: '20000' },
    ]);
  });

  it('growing period: period first', () => {
    const cur: PwmHwState = { periodNs: 20_000, dutyNs: 10_000, polarity: 'normal', enabled: true };
    expect(planWrites(cur, { periodNs: 50_000, dutyNs: 45_000, enabled: true })).toEqual([
      { file: 'period', value: '50000' },
      { file: 'duty_cycle', value: '45000' },
    ]);
  });

  it('polarity change on an enabled channel: disable, change, re-enable', () => {
    const cur: PwmHwState = { periodNs: 40_000, dutyNs: 10_000, polarity: 'normal', enabled: true };
    expect(planWrites(cur, { periodNs: 40_000, dutyNs: 10_000, polarity: 'inversed', enabled: true })).toEqual([
      { file: 'enable', value: '0' },
      { file: 'polarity', value: 'inversed' },
      { file: 'enable', value: '1' },
    ]);
  });

  it('disabling comes first, and nothing is written for no change', () => {
    const cur: PwmHwState = { periodNs: 40_000, dutyNs: 10_000, polarity: 'normal', enabled: true };
    expect(planWrites(cur, { periodNs: 40_000, dutyNs: 0, enabled: false })).toEqual([
      { file: 'enable', value: '0' },
      { file: 'duty_cycle', value: '0' },
    ]);
    expect(planWrites(cur, { periodNs: 40_000, dutyNs: 10_000, enabled: true })).toEqual([]);
  });

  it('every plan passes the kernel checks at each step and ends at the target (property)', () => {
    const state = fc
      .record({ periodNs: fc.integer({ min: 1, max: 1e9 }), frac: fc.double({ min: 0, max: 1, noNaN: true }) })
      .chain(({ periodNs, frac }) =>
        fc.record({
          periodNs: fc.constant(periodNs),
          dutyNs: fc.constant(Math.floor(periodNs * frac)),
          polarity: fc.constantFrom('normal' as const, 'inversed' as const),
          enabled: fc.boolean(),
        }),
      );
    const current = fc.oneof(state, fc.constant(FRESH_CHANNEL));
    const target = state.chain((s) =>
      fc.record({
        periodNs: fc.constant(s.periodNs),
        dutyNs: fc.constant(s.dutyNs),
        enabled: fc.constant(s.enabled),
        polarity: fc.option(fc.constant(s.polarity), { nil: undefined }),
      }),
    );
    fc.assert(
      fc.property(current, target, (cur, t) => {
        const base = { periodNs: t.periodNs, dutyNs: t.dutyNs, enabled: t.enabled };
        const settings: PwmSettings = t.polarity === undefined ? base : { ...base, polarity: t.polarity };
        const end = run(cur, settings);
        expect(end).toEqual({ periodNs: t.periodNs, dutyNs: t.dutyNs, enabled: t.enabled, polarity: t.polarity ?? cur.polarity });
      }),
    );
  });
});

describe('applyWrite (the kernel rule)', () => {
  const cur: PwmHwState = { periodNs: 20_000, dutyNs: 10_000, polarity: 'normal', enabled: true };
  it('refuses duty above period, period 0, polarity while enabled, and junk', () => {
    expect(applyWrite(cur, { file: 'duty_cycle', value: '20001' })).toBe('EINVAL');
    expect(applyWrite(cur, { file: 'period', value: '9999' })).toBe('EINVAL');
    expect(applyWrite(FRESH_CHANNEL, { file: 'enable', value: '1' })).toBe('EINVAL');
    expect(applyWrite(FRESH_CHANNEL, { file: 'polarity', value: 'inversed' })).toBe('EINVAL');
    expect(applyWrite(cur, { file: 'polarity', value: 'inversed' })).toBe('EBUSY');
    expect(applyWrite(cur, { file: 'enable', value: 'yes' })).toBe('EINVAL');
    expect(applyWrite(cur, { file: 'period', value: '-5' })).toBe('EINVAL');
  });

  it('accepts a valid write', () => {
    expect(applyWrite(cur, { file: 'duty_cycle', value: '20000' })).toEqual({ ...cur, dutyNs: 20_000 });
  });
});

describe('validateSettings and highFraction', () => {
  it('names the channel and the problem', () => {
    expect(() => validateSettings('pwmchip0/pwm1', { periodNs: 40_000, dutyNs: 40_001, enabled: true })).toThrow(/pwmchip0\/pwm1: duty/);
    expect(() => validateSettings('pwmchip0/pwm1', { periodNs: 0, dutyNs: 0, enabled: false })).toThrow(PwmError);
    expect(() => validateSettings('x', { periodNs: 1.5, dutyNs: 0, enabled: false })).toThrow(/whole number/);
    expect(() => validateSettings('x', { periodNs: 40_000, dutyNs: 40_000, enabled: true })).not.toThrow();
  });

  it('applies polarity', () => {
    expect(highFraction({ periodNs: 40_000, dutyNs: 10_000, polarity: 'normal' })).toBe(0.25);
    expect(highFraction({ periodNs: 40_000, dutyNs: 10_000, polarity: 'inversed' })).toBe(0.75);
    expect(highFraction({ periodNs: 0, dutyNs: 0, polarity: 'normal' })).toBe(0);
  });
});
