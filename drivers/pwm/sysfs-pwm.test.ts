import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/index.js';
import { PwmError } from './errors.js';
import { SysfsPwmController, type SysfsPwmOptions } from './sysfs-pwm.js';
import { FakePwmSysfs, type FakePwmSysfsOptions } from './test-support/index.js';

let root: string;
let clock: ManualClock;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pia-pwm-sysfs-'));
  clock = new ManualClock();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function setup(
  fake: Partial<FakePwmSysfsOptions> = {},
  options: SysfsPwmOptions = {},
): Promise<{ sysfs: FakePwmSysfs; ctl: SysfsPwmController }> {
  const sysfs = await FakePwmSysfs.create({ root, clock, chips: [{ chip: 0, npwm: 2 }], ...fake });
  const ctl = new SysfsPwmController({ sysfsRoot: root, clock, fs: sysfs.fs, ...options });
  return { sysfs, ctl };
}

/**
 * Drives the manual clock in small steps until `p` settles. The driver also awaits real file
 * I/O, which a loaded machine can make slow: the bound is wide (a hang still fails).
 */
const settle = <T>(p: Promise<T>): Promise<T> => clock.settle(p, 1, 60_000);

async function rejection(p: Promise<unknown>): Promise<PwmError> {
  const err: unknown = await settle(p).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PwmError);
  return err as PwmError;
}

const file = (rel: string) => readFile(join(root, 'class', 'pwm', rel), 'utf8').then((s) => s.trim());

describe('SysfsPwmController: export and configure', () => {
  it('exports, sets 25 kHz at 50 % in kernel order, reads back', async () => {
    const { sysfs, ctl } = await setup();
    const ch = await settle(ctl.openChannel(0, 1));
    expect(ch.name).toBe('pwmchip0/pwm1');
    await settle(ch.configure({ periodNs: 40_000, dutyNs: 20_000, enabled: true }));
    expect(sysfs.writes.map((w) => `${w.path}=${w.value}:${w.result}`)).toEqual([
      'pwmchip0/export=1:ok',
      'pwmchip0/pwm1/period=40000:ok',
      'pwmchip0/pwm1/duty_cycle=20000:ok',
      'pwmchip0/pwm1/enable=1:ok',
    ]);
    expect(await settle(ch.read())).toEqual({ periodNs: 40_000, dutyNs: 20_000, polarity: 'normal', enabled: true });
  });

  it('shrinking the period writes the duty first; growing writes the period first', async () => {
    const { sysfs, ctl } = await setup();
    const ch = await settle(ctl.openChannel(0, 0));
    await settle(ch.configure({ periodNs: 40_000, dutyNs: 30_000, enabled: true }));
    sysfs.writes.length = 0;
    await settle(ch.configure({ periodNs: 20_000, dutyNs: 10_000, enabled: true }));
    await settle(ch.configure({ periodNs: 50_000, dutyNs: 45_000, enabled: true }));
    expect(sysfs.writes.map((w) => `${w.path.split('/')[2]}=${w.value}:${w.result}`)).toEqual([
      'duty_cycle=10000:ok',
      'period=20000:ok',
      'period=50000:ok',
      'duty_cycle=45000:ok',
    ]);
    // The stand-in kernel would have refused the other order:
    await expect(sysfs.fs.writeFile(join(root, 'class', 'pwm', 'pwmchip0', 'pwm0', 'duty_cycle'), '60000')).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('changes polarity only while disabled', async () => {
    const { sysfs, ctl } = await setup();
    const ch = await settle(ctl.openChannel(0, 0));
    await settle(ch.configure({ periodNs: 40_000, dutyNs: 10_000, enabled: true }));
    sysfs.writes.length = 0;
    await settle(ch.configure({ periodNs: 40_000, dutyNs: 10_000, polarity: 'inversed', enabled: true }));
    expect(sysfs.writes.map((w) => `${w.path.split('/')[2]}=${w.value}`)).toEqual(['enable=0', 'polarity=inversed', 'enable=1']);
    expect(await file('pwmchip0/pwm0/polarity')).toBe('inversed');
  });

  it('validates duty ≤ period before writing anything', async () => {
    const { sysfs, ctl } = await setup();
    const ch = await settle(ctl.openChannel(0, 0));
    const before = sysfs.writes.length;
    const err = await rejection(ch.configure({ periodNs: 40_000, dutyNs: 50_000, enabled: true }));
    expect(err.kind).toBe('invalid');
    expect(err.message).toContain('pwmchip0/pwm0');
    expect(sysfs.writes.length).toBe(before);
  });

  it('setDutyFraction uses the current period; refuses before a period and outside 0..1', async () => {
    const { ctl } = await setup();
    const ch = await settle(ctl.openChannel(0, 0));
    expect((await rejection(ch.setDutyFraction(0.5))).message).toContain('configure()');
    await settle(ch.configure({ periodNs: 40_000, dutyNs: 0, enabled: true }));
    await settle(ch.setDutyFraction(0.25));
    expect(await file('pwmchip0/pwm0/duty_cycle')).toBe('10000');
    expect((await rejection(ch.setDutyFraction(1.5))).kind).toBe('invalid');
    await settle(ch.setEnabled(false));
    expect(await file('pwmchip0/pwm0/enable')).toBe('0');
  });

  it('reuses a channel exported earlier without writing export', async () => {
    const { sysfs, ctl } = await setup();
    await sysfs.preexport(0, 1, { periodNs: 40_000, dutyNs: 8_000, enabled: true });
    const ch = await settle(ctl.openChannel(0, 1));
    expect(sysfs.writes).toEqual([]);
    expect(await settle(ch.read())).toEqual({ periodNs: 40_000, dutyNs: 8_000, polarity: 'normal', enabled: true });
  });
});

describe('SysfsPwmController: the channel state is read once and kept', () => {
  const channelReads = (sysfs: FakePwmSysfs): string[] => sysfs.reads.filter((r) => r.startsWith('pwmchip0/pwm0/'));

  it('reads the four files once, then writes only what changes, in kernel order', async () => {
    const { sysfs, ctl } = await setup();
    const ch = await settle(ctl.openChannel(0, 0));
    await settle(ch.configure({ periodNs: 40_000, dutyNs: 10_000, enabled: true }));
    expect(channelReads(sysfs).sort()).toEqual(['pwmchip0/pwm0/duty_cycle', 'pwmchip0/pwm0/enable', 'pwmchip0/pwm0/period', 'pwmchip0/pwm0/polarity']);
    sysfs.writes.length = 0;
    for (const f of [0.5, 0.5, 0.75, 0.25]) await settle(ch.setDutyFraction(f));
    await settle(ch.setEnabled(true));
    await settle(ch.configure({ periodNs: 20_000, dutyNs: 5_000, enabled: true }));
    await settle(ch.configure({ periodNs: 20_000, dutyNs: 5_000, polarity: 'inversed', enabled: true }));
    expect(await settle(ch.read())).toEqual({ periodNs: 20_000, dutyNs: 5_000, polarity: 'inversed', enabled: true });
    expect(channelReads(sysfs)).toHaveLength(4);
    expect(sysfs.writes.map((w) => `${w.path.split('/')[2]}=${w.value}:${w.result}`)).toEqual([
      'duty_cycle=20000:ok',
      'duty_cycle=30000:ok',
      'duty_cycle=10000:ok',
      'duty_cycle=5000:ok', // shrinking: the duty first,
      'period=20000:ok', //    then the period
      'enable=0:ok', // polarity only while disabled
      'polarity=inversed:ok',
      'enable=1:ok',
    ]);
    for (const f of ['period', 'duty_cycle', 'polarity', 'enable']) expect(await file(`pwmchip0/pwm0/${f}`)).toBe({ period: '20000', duty_cycle: '5000', polarity: 'inversed', enable: '1' }[f]);
  });

  it('another handle on the channel shares the kept state; a write the kernel refuses makes the next operation read the files again', async () => {
    const { sysfs, ctl } = await setup();
    const ch = await settle(ctl.openChannel(0, 0));
    await settle(ch.configure({ periodNs: 40_000, dutyNs: 10_000, enabled: true }));
    const again = await settle(ctl.openChannel(0, 0));
    expect(await settle(again.read())).toEqual({ periodNs: 40_000, dutyNs: 10_000, polarity: 'normal', enabled: true });
    expect(channelReads(sysfs)).toHaveLength(4);
    // someone else shortens the period behind this process's back: the kept state is stale
    await sysfs.fs.writeFile(join(root, 'class', 'pwm', 'pwmchip0', 'pwm0', 'duty_cycle'), '1000');
    await sysfs.fs.writeFile(join(root, 'class', 'pwm', 'pwmchip0', 'pwm0', 'period'), '10000');
    expect((await rejection(ch.setDutyFraction(0.5))).kind).toBe('invalid'); // 20000 > 10000: EINVAL
    await settle(ch.setDutyFraction(0.5));
    expect(channelReads(sysfs)).toHaveLength(8);
    expect(await file('pwmchip0/pwm0/duty_cycle')).toBe('5000');
  });

  it('an unexport forgets the state: the channel exported again is read again', async () => {
    const { sysfs, ctl } = await setup({}, { unexportOnClose: true });
    const ch = await settle(ctl.openChannel(0, 0));
    await settle(ch.configure({ periodNs: 40_000, dutyNs: 10_000, enabled: true }));
    await settle(ch.close());
    const fresh = await settle(ctl.openChannel(0, 0));
    expect(await settle(fresh.read())).toEqual({ periodNs: 0, dutyNs: 0, polarity: 'normal', enabled: false });
    expect(channelReads(sysfs)).toHaveLength(8);
  });
});

describe('SysfsPwmController: the udev race after export', () => {
  it('waits for pwmX that appears only after some polls', async () => {
    const { ctl } = await setup({ appearAfterPolls: 3 });
    const ch = await settle(ctl.openChannel(0, 1));
    await settle(ch.configure({ periodNs: 40_000, dutyNs: 0, enabled: true }));
    expect(await file('pwmchip0/pwm1/enable')).toBe('1');
  });

  it('waits for pwmX that appears after a delay on the clock', async () => {
    const { ctl } = await setup({ appearAfterMs: 30 });
    await settle(ctl.openChannel(0, 1));
    expect(clock.now()).toBeGreaterThanOrEqual(30);
  });

  it('retries while the files answer EACCES', async () => {
    const { ctl } = await setup({ eaccesPolls: 2 });
    const ch = await settle(ctl.openChannel(0, 0));
    expect(ch.name).toBe('pwmchip0/pwm0');
  });

  it('gives up after the bounded attempts, naming udev', async () => {
    const { ctl } = await setup({ appearAfterPolls: 1000 }, { readyAttempts: 4 });
    const err = await rejection(ctl.openChannel(0, 1));
    expect(err.kind).toBe('not-ready');
    expect(err.message).toContain('pwmchip0/pwm1');
    expect(err.message).toContain('4 attempts');
    expect(err.message).toContain('udev');
  });
});

describe('SysfsPwmController: errors name the chip, channel and fix', () => {
  it('channel 3 on a chip with npwm=2', async () => {
    const { sysfs, ctl } = await setup();
    const err = await rejection(ctl.openChannel(0, 3));
    expect(err.kind).toBe('no-channel');
    expect(err.message).toContain('pwmchip0 has 2 channels (0–1)');
    expect(err.message).toContain('dtoverlay=pwm-2chan');
    expect(sysfs.writes).toEqual([]);
  });

  it('a missing chip lists the chips found', async () => {
    const { ctl } = await setup({ chips: [{ chip: 0, npwm: 2 }, { chip: 2, npwm: 4 }] });
    const err = await rejection(ctl.openChannel(1, 0));
    expect(err.kind).toBe('no-chip');
    expect(err.message).toContain('pwmchip1 does not exist');
    expect(err.message).toContain('found: pwmchip0, pwmchip2');
  });

  it('no pwm class at all names the overlay', async () => {
    const ctl = new SysfsPwmController({ sysfsRoot: root, clock });
    const err = await rejection(ctl.openChannel(0, 0));
    expect(err.kind).toBe('no-pwm-class');
    expect(err.message).toContain('dtoverlay=pwm-2chan');
  });

  it('a channel held by a kernel driver (EBUSY on export)', async () => {
    const { ctl } = await setup({ chips: [{ chip: 0, npwm: 2, busy: [1] }] });
    const err = await rejection(ctl.openChannel(0, 1));
    expect(err.kind).toBe('busy');
    expect(err.message).toContain('pwmchip0 channel 1');
  });
});

describe('SysfsPwmController: close', () => {
  it('leaves the output running and exported by default', async () => {
    const { ctl } = await setup();
    const ch = await settle(ctl.openChannel(0, 0));
    await settle(ch.configure({ periodNs: 40_000, dutyNs: 10_000, enabled: true }));
    await settle(ch.close());
    expect(await file('pwmchip0/pwm0/enable')).toBe('1');
    expect((await rejection(ch.read())).kind).toBe('closed');
  });

  it('disables and unexports when told', async () => {
    const { sysfs, ctl } = await setup({}, { disableOnClose: true, unexportOnClose: true });
    const ch = await settle(ctl.openChannel(0, 0));
    await settle(ch.configure({ periodNs: 40_000, dutyNs: 10_000, enabled: true }));
    await settle(ch.close());
    expect(sysfs.writes.slice(-2).map((w) => `${w.path}=${w.value}:${w.result}`)).toEqual([
      'pwmchip0/pwm0/enable=0:ok',
      'pwmchip0/unexport=0:ok',
    ]);
    await expect(sysfs.fs.exists(join(root, 'class', 'pwm', 'pwmchip0', 'pwm0'))).resolves.toBe(false);
  });
});
