import { describe, it, expect } from 'vitest';
import { describeSettings, rtuTiming } from './timing.js';

describe('rtuTiming (Serial Line V1.02 §2.5.1.1)', () => {
  it('computes t1.5 and t3.5 from 11-bit characters at 9600 8E1', () => {
    const t = rtuTiming({ baudRate: 9600, parity: 'even' });
    expect(t.characterMs).toBeCloseTo(11_000 / 9600, 9);
    expect(t.t15Ms).toBeCloseTo(1.5 * 11_000 / 9600, 9);
    expect(t.t35Ms).toBeCloseTo(3.5 * 11_000 / 9600, 9); // 4.01 ms
  });

  it('counts 10-bit characters at 8N1 (non-standard, but common: Chiltrix CXI)', () => {
    expect(rtuTiming({ baudRate: 9600 }).t35Ms).toBeCloseTo(3.5 * 10_000 / 9600, 9);
  });

  it('still computes at 19200 and uses the fixed 0.75 / 1.75 ms above it', () => {
    expect(rtuTiming({ baudRate: 19200, parity: 'even' }).t35Ms).toBeCloseTo(3.5 * 11_000 / 19200, 9);
    expect(rtuTiming({ baudRate: 38400, parity: 'even' })).toMatchObject({ t15Ms: 0.75, t35Ms: 1.75 });
    expect(rtuTiming({ baudRate: 115200 })).toMatchObject({ t15Ms: 0.75, t35Ms: 1.75 });
  });

  it('describes settings the way a technician writes them', () => {
    expect(describeSettings({ baudRate: 9600, parity: 'even' })).toBe('9600 8E1');
    expect(describeSettings({ baudRate: 19200, parity: 'none', stopBits: 2 })).toBe('19200 8N2');
  });
});
