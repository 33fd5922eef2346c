/** PWM: one hardware channel (Linux sysfs `pwmchipN/pwmX`). Times in nanoseconds, as sysfs has them. */
export type Polarity = 'normal' | 'inversed';

export interface PwmSettings {
  /** Period in ns; 25 kHz (a 4-pin fan) is 40 000 ns. */
  readonly periodNs: number;
  /** High time in ns, 0 ≤ duty ≤ period. */
  readonly dutyNs: number;
  readonly polarity?: Polarity;
  readonly enabled: boolean;
}

export interface PwmChannel {
  /** e.g. "pwmchip0/pwm1". */
  readonly name: string;
  /** Applies settings in the order the kernel requires (period before a duty that exceeds the old period). */
  configure(settings: PwmSettings): Promise<void>;
  /** Sets the duty as a fraction 0..1 of the current period. */
  setDutyFraction(fraction: number): Promise<void>;
  setEnabled(enabled: boolean): Promise<void>;
  read(): Promise<PwmSettings>;
  close(): Promise<void>;
}

export interface PwmController {
  openChannel(chip: number, channel: number): Promise<PwmChannel>;
}
