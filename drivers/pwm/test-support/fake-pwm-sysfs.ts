/**
 * A stand-in for the kernel's sysfs PWM on a temp folder, for tests of `SysfsPwmController`.
 * The folder holds real files (`pwmchipN/{npwm,export,unexport}`, `pwmX/{period,…}`); the
 * `SysfsFs` returned here plays the kernel on writes:
 *  - `export`: ENODEV past npwm, EBUSY when a kernel driver holds the channel or it is
 *    already exported; otherwise `pwmX` appears — at once, after `appearAfterMs` on the
 *    clock, or after `appearAfterPolls` looks at it (the udev race, docs/hardware.md#pwm);
 *    then its files answer EACCES to the first `eaccesPolls` opens (udev has not yet
 *    changed their group);
 *  - `period`/`duty_cycle`/`polarity`/`enable`: the whole state is checked as
 *    pwm_apply_state does (period 0 or duty > period → EINVAL; polarity while enabled → EBUSY);
 *  - `unexport`: removes `pwmX`.
 * Every accepted or refused write is logged relative to class/pwm, and so is every read.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Clock } from '../../../common/index.js';
import { applyWrite, type PwmFile, type PwmHwState } from '../settings.js';
import { nodeSysfs, type SysfsFs } from '../sysfs-fs.js';

export interface FakePwmChip {
  readonly chip: number;
  readonly npwm: number;
  /** Channels claimed by a kernel driver (export answers EBUSY). */
  readonly busy?: readonly number[];
}

export interface FakePwmSysfsOptions {
  /** A temp folder standing for /sys. */
  readonly root: string;
  readonly chips: readonly FakePwmChip[];
  /** Needed with `appearAfterMs`. */
  readonly clock?: Clock;
  readonly appearAfterMs?: number;
  readonly appearAfterPolls?: number;
  readonly eaccesPolls?: number;
}

export interface LoggedWrite {
  /** e.g. "pwmchip0/pwm1/period". */
  readonly path: string;
  readonly value: string;
  /** The errno the kernel answered, or "ok". */
  readonly result: string;
}

const FILES: readonly PwmFile[] = ['period', 'duty_cycle', 'polarity', 'enable'];

export class FakePwmSysfs {
  readonly writes: LoggedWrite[] = [];
  /** Files read through `fs`, e.g. "pwmchip0/pwm1/period". */
  readonly reads: string[] = [];
  readonly fs: SysfsFs;
  private readonly real = nodeSysfs();
  private readonly classDir: string;
  /** Exported channels not yet visible: key "chip/channel" → polls so far. */
  private readonly pending = new Map<string, number>();
  private readonly eacces = new Map<string, number>();

  private constructor(private readonly o: FakePwmSysfsOptions) {
    this.classDir = join(o.root, 'class', 'pwm');
    this.fs = {
      readFile: (p) => (this.reads.push(this.parts(p).join('/')), this.real.readFile(p)),
      readdir: (p) => this.real.readdir(p),
      writeFile: (p, d) => this.write(p, d),
      exists: async (p) => (await this.poll(p, false)) && this.real.exists(p),
      checkWritable: async (p) => {
        await this.poll(p, true);
        return this.real.checkWritable(p);
      },
    };
  }

  static async create(o: FakePwmSysfsOptions): Promise<FakePwmSysfs> {
    for (const c of o.chips) {
      const dir = join(o.root, 'class', 'pwm', `pwmchip${c.chip}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'npwm'), `${c.npwm}\n`);
      await writeFile(join(dir, 'export'), '');
      await writeFile(join(dir, 'unexport'), '');
    }
    return new FakePwmSysfs(o);
  }

  /** Makes pwmX appear as if exported earlier (by another process, or before a restart). */
  async preexport(chip: number, channel: number, state: Partial<PwmHwState> = {}): Promise<void> {
    await this.materialize(chip, channel, state, false);
  }

  private parts(path: string): string[] {
    return relative(this.classDir, path).split(sep);
  }

  /** Counts looks at a pending channel; answers false while it must still look absent. */
  private async poll(path: string, checkingAccess: boolean): Promise<boolean> {
    const [chipDir, chDir] = this.parts(path);
    const key = chipDir !== undefined && chDir !== undefined ? `${chipDir}/${chDir}` : '';
    const polls = this.pending.get(key);
    if (polls !== undefined && this.o.appearAfterPolls !== undefined) {
      if (polls < this.o.appearAfterPolls) {
        this.pending.set(key, polls + 1);
        return false;
      }
      this.pending.delete(key);
      const [chip, channel] = [Number(chipDir?.slice(7)), Number(chDir?.slice(3))];
      await this.materialize(chip, channel);
    }
    const left = this.eacces.get(key);
    if (checkingAccess && left !== undefined && left > 0) {
      this.eacces.set(key, left - 1);
      throw errnoError('EACCES', path);
    }
    return true;
  }

  private async write(path: string, data: string): Promise<void> {
    const parts = this.parts(path);
    const shown = parts.join('/');
    const result = await this.kernelWrite(parts, path, data.trim()).then(
      () => 'ok',
      (e: NodeJS.ErrnoException) => e.code ?? 'EIO',
    );
    this.writes.push({ path: shown, value: data, result });
    if (result !== 'ok') throw errnoError(result, path);
  }

  private async kernelWrite(parts: string[], path: string, value: string): Promise<void> {
    const [chipDir, name, file] = parts;
    const spec = this.o.chips.find((c) => `pwmchip${c.chip}` === chipDir);
    if (spec === undefined) throw errnoError('ENOENT', path);
    if (name === 'export' || name === 'unexport') {
      const channel = Number(value);
      if (!/^\d+$/.test(value) || channel >= spec.npwm) throw errnoError(name === 'export' ? 'ENODEV' : 'EINVAL', path);
      const key = `${chipDir}/pwm${channel}`;
      const exists = this.pending.has(key) || (await this.real.exists(join(this.classDir, key)));
      if (name === 'unexport') {
        if (!exists) throw errnoError('EINVAL', path);
        this.pending.delete(key);
        await rm(join(this.classDir, key), { recursive: true, force: true });
        return;
      }
      if (exists || (spec.busy ?? []).includes(channel)) throw errnoError('EBUSY', path);
      if (this.o.appearAfterPolls !== undefined) this.pending.set(key, 0);
      else if (this.o.appearAfterMs !== undefined && this.o.clock !== undefined) {
        this.pending.set(key, 0);
        this.o.clock.setTimeout(() => {
          this.pending.delete(key);
          void this.materialize(spec.chip, channel);
        }, this.o.appearAfterMs);
      } else await this.materialize(spec.chip, channel);
      return;
    }
    if (name === undefined || file === undefined || !FILES.includes(file as PwmFile)) {
      await writeFile(path, value);
      return;
    }
    const dir = join(this.classDir, chipDir ?? '', name);
    const next = applyWrite(await this.state(dir), { file: file as PwmFile, value });
    if (typeof next === 'string') throw errnoError(next, path);
    await writeFile(path, `${value}\n`);
  }

  private async state(dir: string): Promise<PwmHwState> {
    const read = async (f: string) => (await this.real.readFile(join(dir, f))).trim();
    const polarity = await read('polarity');
    return {
      periodNs: Number(await read('period')),
      dutyNs: Number(await read('duty_cycle')),
      polarity: polarity === 'inversed' ? 'inversed' : 'normal',
      enabled: (await read('enable')) === '1',
    };
  }

  private async materialize(chip: number, channel: number, s: Partial<PwmHwState> = {}, fresh = true): Promise<void> {
    const dir = join(this.classDir, `pwmchip${chip}`, `pwm${channel}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'period'), `${s.periodNs ?? 0}\n`);
    await writeFile(join(dir, 'duty_cycle'), `${s.dutyNs ?? 0}\n`);
    await writeFile(join(dir, 'polarity'), `${s.polarity ?? 'normal'}\n`);
    await writeFile(join(dir, 'enable'), `${s.enabled === true ? 1 : 0}\n`);
    if (fresh && this.o.eaccesPolls !== undefined) this.eacces.set(`pwmchip${chip}/pwm${channel}`, this.o.eaccesPolls);
  }
}

function errnoError(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${path}`), { code });
}
