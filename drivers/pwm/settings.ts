/**
 * PWM settings rules shared by the sysfs driver and the virtual controller.
 *
 * Kernel rules (drivers/pwm/core.c pwm_apply_state, drivers/pwm/sysfs.c): every write to
 * period, duty_cycle, polarity or enable applies the whole state, and a state with period 0
 * or duty_cycle > period is refused with EINVAL. Polarity is changed only while the channel
 * is disabled (older cores answer EBUSY otherwise; this project keeps that rule everywhere).
 *
 * Write order that keeps every intermediate state valid (`planWrites`):
 *  1. enable 0 first if the channel must end disabled, or its polarity changes
 *  2. shrinking period: duty_cycle first (new duty ≤ new period < old period), then period;
 *     growing period (or a fresh channel with period 0): period first, then duty_cycle
 *  3. polarity (now disabled, and period > 0)
 *  4. enable 1 last
 */
import type { Polarity, PwmSettings } from './types.js';
import { PwmError } from './errors.js';

/** What the hardware holds now (the sysfs files). */
export interface PwmHwState {
  readonly periodNs: number;
  readonly dutyNs: number;
  readonly polarity: Polarity;
  readonly enabled: boolean;
}

export type PwmFile = 'period' | 'duty_cycle' | 'polarity' | 'enable';

export interface PwmWrite {
  readonly file: PwmFile;
  readonly value: string;
}

/** A freshly exported channel on most chips. */
export const FRESH_CHANNEL: PwmHwState = { periodNs: 0, dutyNs: 0, polarity: 'normal', enabled: false };

/** Refuses settings the kernel would refuse, naming the channel. */
export function validateSettings(name: string, s: PwmSettings): void {
  if (!Number.isSafeInteger(s.periodNs) || s.periodNs <= 0) {
    throw new PwmError('invalid', `${name}: period must be a whole number of ns > 0, got ${s.periodNs} (25 kHz is 40000)`);
  }
  if (!Number.isSafeInteger(s.dutyNs) || s.dutyNs < 0 || s.dutyNs > s.periodNs) {
    throw new PwmError('invalid', `${name}: duty must be a whole number of ns in 0..period (${s.periodNs}), got ${s.dutyNs}`);
  }
  if (s.polarity !== undefined && s.polarity !== 'normal' && s.polarity !== 'inversed') {
    throw new PwmError('invalid', `${name}: polarity must be "normal" or "inversed", got "${String(s.polarity)}"`);
  }
}

/** The sysfs writes that take `current` to `next`, in an order the kernel accepts. */
export function planWrites(current: PwmHwState, next: PwmSettings): PwmWrite[] {
  const writes: PwmWrite[] = [];
  const polarityChanges = next.polarity !== undefined && next.polarity !== current.polarity;
  let enabled = current.enabled;
  if (enabled && (!next.enabled || polarityChanges)) {
    writes.push({ file: 'enable', value: '0' });
    enabled = false;
  }
  const period = { file: 'period', value: String(next.periodNs) } as const;
  const duty = { file: 'duty_cycle', value: String(next.dutyNs) } as const;
  const periodChanges = next.periodNs !== current.periodNs;
  const dutyChanges = next.dutyNs !== current.dutyNs;
  if (next.periodNs < current.periodNs) {
    if (dutyChanges) writes.push(duty);
    writes.push(period);
  } else {
    if (periodChanges) writes.push(period);
    if (dutyChanges) writes.push(duty);
  }
  if (polarityChanges) writes.push({ file: 'polarity', value: next.polarity });
  if (next.enabled && !enabled) writes.push({ file: 'enable', value: '1' });
  return writes;
}

/**
 * Applies one sysfs write to `state` as the kernel would: the new state, or the errno the
 * write fails with.
 */
export function applyWrite(state: PwmHwState, write: PwmWrite): PwmHwState | 'EINVAL' | 'EBUSY' {
  let next: PwmHwState;
  switch (write.file) {
    case 'period':
    case 'duty_cycle': {
      if (!/^\d+$/.test(write.value)) return 'EINVAL';
      const n = Number(write.value);
      next = write.file === 'period' ? { ...state, periodNs: n } : { ...state, dutyNs: n };
      break;
    }
    case 'polarity':
      if (write.value !== 'normal' && write.value !== 'inversed') return 'EINVAL';
      if (state.enabled && write.value !== state.polarity) return 'EBUSY';
      next = { ...state, polarity: write.value };
      break;
    case 'enable':
      if (write.value !== '0' && write.value !== '1') return 'EINVAL';
      next = { ...state, enabled: write.value === '1' };
      break;
  }
  if (next.periodNs === 0 || next.dutyNs > next.periodNs) return 'EINVAL';
  return next;
}

/** The fraction of each period the output is high, polarity applied (0..1). */
export function highFraction(state: Pick<PwmHwState, 'periodNs' | 'dutyNs' | 'polarity'>): number {
  if (state.periodNs <= 0) return 0;
  const f = Math.min(1, Math.max(0, state.dutyNs / state.periodNs));
  return state.polarity === 'inversed' ? 1 - f : f;
}
