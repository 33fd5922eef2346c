import { describe, expect, it } from 'vitest';
import { PwmError } from '../../drivers/pwm/index.js';
import { VirtualPwmController, type VirtualPwmState } from './virtual-pwm.js';

describe('VirtualPwmController', () => {
  it('a channel is unexported until opened, then fresh', async () => {
    const pwm = new VirtualPwmController();
    expect(pwm.state(0, 1).exported).toBe(false);
    const ch = await pwm.openChannel(0, 1);
    expect(ch.name).toBe('pwmchip0/pwm1');
    expect(pwm.state(0, 1)).toEqual({ exported: true, periodNs: 0, dutyNs: 0, polarity: 'normal', enabled: false });
  });

  it('parts see every intermediate state, in kernel order', async () => {
    const pwm = new VirtualPwmController();
    const seen: string[] = [];
    pwm.onChange(0, 0, (s: VirtualPwmState) => seen.push(`${s.periodNs}/${s.dutyNs}/${s.enabled ? 'on' : 'off'}`));
    const ch = await pwm.openChannel(0, 0);
    await ch.configure({ periodNs: 40_000, dutyNs: 30_000, enabled: true });
    await ch.configure({ periodNs: 20_000, dutyNs: 10_000, enabled: true });
    expect(seen).toEqual(['0/0/off', '40000/0/off', '40000/30000/off', '40000/30000/on', '40000/10000/on', '20000/10000/on']);
  });

  it('outputFraction: undefined while not driven, polarity applied while enabled', async () => {
    const pwm = new VirtualPwmController();
    expect(pwm.outputFraction(0, 0)).toBeUndefined();
    const ch = await pwm.openChannel(0, 0);
    await ch.configure({ periodNs: 40_000, dutyNs: 10_000, enabled: false });
    expect(pwm.outputFraction(0, 0)).toBeUndefined();
    await ch.setEnabled(true);
    expect(pwm.outputFraction(0, 0)).toBe(0.25);
    await ch.configure({ periodNs: 40_000, dutyNs: 10_000, polarity: 'inversed', enabled: true });
    expect(pwm.outputFraction(0, 0)).toBe(0.75);
    await ch.setDutyFraction(0.5);
    expect(pwm.state(0, 0).dutyNs).toBe(20_000);
    expect(await ch.read()).toEqual({ periodNs: 40_000, dutyNs: 20_000, polarity: 'inversed', enabled: true });
  });

  it('refuses what the kernel refuses', async () => {
    const pwm = new VirtualPwmController();
    const ch = await pwm.openChannel(0, 0);
    await expect(ch.setDutyFraction(0.5)).rejects.toMatchObject({ kind: 'invalid' });
    await expect(ch.setEnabled(true)).rejects.toMatchObject({ kind: 'invalid' });
    await expect(ch.configure({ periodNs: 40_000, dutyNs: 40_001, enabled: true })).rejects.toMatchObject({ kind: 'invalid' });
    expect(pwm.state(0, 0).periodNs).toBe(0);
  });

  it('channel 3 on a chip with npwm=2, and a missing chip', async () => {
    const pwm = new VirtualPwmController({ chips: [2] });
    const err: unknown = await pwm.openChannel(0, 3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PwmError);
    expect((err as PwmError).message).toContain('pwmchip0 has 2 channels (0–1)');
    await expect(pwm.openChannel(1, 0)).rejects.toMatchObject({ kind: 'no-chip' });
  });

  it('close leaves the output running by default; can disable and unexport', async () => {
    const keep = new VirtualPwmController();
    const a = await keep.openChannel(0, 0);
    await a.configure({ periodNs: 40_000, dutyNs: 0, enabled: true });
    await a.close();
    expect(keep.outputFraction(0, 0)).toBe(0);
    await expect(a.read()).rejects.toMatchObject({ kind: 'closed' });

    const drop = new VirtualPwmController({ disableOnClose: true, unexportOnClose: true });
    const b = await drop.openChannel(0, 1);
    await b.configure({ periodNs: 40_000, dutyNs: 0, enabled: true });
    await b.close();
    expect(drop.state(0, 1).exported).toBe(false);
    expect(drop.outputFraction(0, 1)).toBeUndefined();
  });
});
