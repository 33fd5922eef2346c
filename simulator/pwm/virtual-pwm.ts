/**
 * Virtual PWM chips: the gateway side is a PwmController (as the sysfs driver), the part side
 * (a fan, a dimmer) reads each channel's state and follows its changes.
 *
 * Must hold, as on sysfs (drivers/pwm/settings.ts): channels exist only below npwm; a channel
 * starts unexported, then fresh (period 0, duty 0, normal, disabled); `configure` goes through
 * the same write plan as the sysfs driver and every write is checked by the kernel rule
 * (`applyWrite`), so a part sees each intermediate state the real pin would go through.
 * What the pin does: it is driven only while exported and enabled; otherwise it is released
 * (`outputFraction` answers undefined) and what the part reads is up to its own pull.
 */
import { PwmError, channelRangeError, pwmWriteError } from '../../drivers/pwm/index.js';
import { FRESH_CHANNEL, applyWrite, highFraction, planWrites, validateSettings, type PwmFile, type PwmHwState } from '../../drivers/pwm/index.js';
import type { PwmChannel, PwmController, PwmSettings } from '../../drivers/pwm/index.js';

export interface VirtualPwmState extends PwmHwState {
  readonly exported: boolean;
}

export interface VirtualPwmOptions {
  /** npwm of each chip, pwmchip0 first; default [2] (a Pi 4 with dtoverlay=pwm-2chan). */
  readonly chips?: readonly number[];
  /** As SysfsPwmOptions: close() disables / unexports; both default false. */
  readonly disableOnClose?: boolean;
  readonly unexportOnClose?: boolean;
}

interface ChannelSlot {
  state: VirtualPwmState;
  readonly listeners: Set<(state: VirtualPwmState) => void>;
}

const UNEXPORTED: VirtualPwmState = { ...FRESH_CHANNEL, exported: false };

export class VirtualPwmController implements PwmController {
  private readonly chips: ChannelSlot[][];

  constructor(private readonly options: VirtualPwmOptions = {}) {
    this.chips = (options.chips ?? [2]).map((npwm) => Array.from({ length: npwm }, () => ({ state: UNEXPORTED, listeners: new Set() })));
  }

  // ---- part side ----------------------------------------------------------------------

  state(chip: number, channel: number): VirtualPwmState {
    return this.slot(chip, channel).state;
  }

  /** Follows every change of the channel's state; returns an unsubscribe. */
  onChange(chip: number, channel: number, listener: (state: VirtualPwmState) => void): () => void {
    const set = this.slot(chip, channel).listeners;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Fraction of each period the pin is high (polarity applied), or undefined when the pin is not driven. */
  outputFraction(chip: number, channel: number): number | undefined {
    const s = this.state(chip, channel);
    return s.exported && s.enabled ? highFraction(s) : undefined;
  }

  // ---- gateway side -------------------------------------------------------------------

  openChannel(chip: number, channel: number): Promise<PwmChannel> {
    try {
      const slot = this.slot(chip, channel);
      if (!slot.state.exported) publish(slot, { ...FRESH_CHANNEL, exported: true });
      return Promise.resolve(new VirtualPwmChannel(`pwmchip${chip}/pwm${channel}`, slot, this.options));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private slot(chip: number, channel: number): ChannelSlot {
    const channels = Number.isInteger(chip) ? this.chips[chip] : undefined;
    if (channels === undefined) {
      const found = this.chips.map((_, i) => `pwmchip${i}`).join(', ');
      throw new PwmError('no-chip', `pwmchip${chip} does not exist on the virtual board (found: ${found}): check the chip number`);
    }
    const slot = Number.isInteger(channel) && channel >= 0 ? channels[channel] : undefined;
    if (slot === undefined) throw channelRangeError(chip, channel, channels.length);
    return slot;
  }
}

function publish(slot: ChannelSlot, state: VirtualPwmState): void {
  slot.state = state;
  for (const l of [...slot.listeners]) l(state);
}

class VirtualPwmChannel implements PwmChannel {
  private closed = false;

  constructor(
    readonly name: string,
    private readonly slot: ChannelSlot,
    private readonly options: VirtualPwmOptions,
  ) {}

  configure(settings: PwmSettings): Promise<void> {
    return this.run(() => {
      validateSettings(this.name, settings);
      for (const w of planWrites(this.slot.state, settings)) this.write(w.file, w.value);
    });
  }

  setDutyFraction(fraction: number): Promise<void> {
    return this.run(() => {
      if (!(Number.isFinite(fraction) && fraction >= 0 && fraction <= 1)) {
        throw new PwmError('invalid', `${this.name}: duty fraction must be within 0..1, got ${fraction}`);
      }
      const { periodNs } = this.slot.state;
      if (periodNs === 0) throw new PwmError('invalid', `${this.name}: no period set yet: call configure() with a period first`);
      this.write('duty_cycle', String(Math.round(fraction * periodNs)));
    });
  }

  setEnabled(enabled: boolean): Promise<void> {
    return this.run(() => {
      if (enabled && this.slot.state.periodNs === 0) throw new PwmError('invalid', `${this.name}: cannot enable without a period: call configure() first`);
      if (enabled !== this.slot.state.enabled) this.write('enable', enabled ? '1' : '0');
    });
  }

  read(): Promise<PwmSettings> {
    return this.run(() => {
      const { periodNs, dutyNs, polarity, enabled } = this.slot.state;
      return { periodNs, dutyNs, polarity, enabled };
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.run(() => {
      this.closed = true;
      if (this.options.disableOnClose === true && this.slot.state.enabled) this.write('enable', '0');
      if (this.options.unexportOnClose === true) publish(this.slot, UNEXPORTED);
    });
  }

  private write(file: PwmFile, value: string): void {
    const s = this.slot.state;
    if (!s.exported) throw new PwmError('io', `${this.name} was unexported: open the channel again`);
    const next = applyWrite(s, { file, value });
    if (typeof next === 'string') throw pwmWriteError(this.name, `${this.name}/${file}`, value, next);
    if (next.periodNs !== s.periodNs || next.dutyNs !== s.dutyNs || next.polarity !== s.polarity || next.enabled !== s.enabled) {
      publish(this.slot, { ...next, exported: true });
    }
  }

  private run<T>(task: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new PwmError('closed', `${this.name} is closed: open the channel again to use it`));
    try {
      return Promise.resolve(task());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
