/**
 * Errors from the PWM drivers (sysfs and virtual). The message names the chip/channel, the
 * problem and the fix (docs/architecture.md#conventions).
 *
 * - no-pwm-class: <root>/class/pwm is missing (no PWM driver loaded)
 * - no-chip:      pwmchipN does not exist
 * - no-channel:   channel ≥ npwm
 * - busy:         the channel is held by a kernel driver (export EBUSY) or the change needs
 *                 the channel disabled (polarity while enabled)
 * - access:       no permission to export or write the channel's files
 * - not-ready:    the channel's files did not appear / become writable after export
 * - invalid:      settings the kernel refuses (duty > period, period 0, fraction outside 0..1)
 * - closed:       the handle was closed
 * - io:           anything else the kernel answered
 */
export type PwmErrorKind =
  | 'no-pwm-class'
  | 'no-chip'
  | 'no-channel'
  | 'busy'
  | 'access'
  | 'not-ready'
  | 'invalid'
  | 'closed'
  | 'io';

export class PwmError extends Error {
  override readonly name = 'PwmError';

  constructor(
    readonly kind: PwmErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** "pwmchip0 has 2 channels (0–1)": the range sentence used by both drivers. */
export function channelRangeError(chip: number, channel: number, npwm: number): PwmError {
  const range = npwm === 0 ? 'no channels' : npwm === 1 ? '1 channel (0)' : `${npwm} channels (0–${npwm - 1})`;
  return new PwmError(
    'no-channel',
    `pwmchip${chip} has ${range}: channel ${channel} does not exist. Use a channel in range; ` +
      'on a Pi 4, dtoverlay=pwm-2chan in config.txt gives channels 0 and 1 (GPIO 18 and 19).',
  );
}

/** The error for a refused write to `shown` (e.g. "pwmchip0/pwm1/period"), by errno. */
export function pwmWriteError(name: string, shown: string, value: string, code: string | undefined, cause?: unknown): PwmError {
  const what = `${name}: writing ${value} to ${shown} failed (${code ?? String(cause)})`;
  const options = cause === undefined ? undefined : { cause };
  if (code === 'EINVAL') return new PwmError('invalid', `${what}: the chip cannot produce this period, or duty exceeds period`, options);
  if (code === 'EBUSY') return new PwmError('busy', `${what}: disable the channel before changing its polarity`, options);
  if (code === 'EACCES' || code === 'EPERM') {
    return new PwmError('access', `${what}: run as root or add a udev rule giving the gpio group access`, options);
  }
  return new PwmError('io', `${what}: check dmesg`, options);
}
