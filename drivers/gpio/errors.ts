/**
 * Errors from the GPIO drivers. `kind` lets callers branch; the message names the line, the
 * problem and the fix (docs/architecture.md#conventions).
 *
 * - no-sysfs:       /sys/class/gpio is missing (kernel without CONFIG_GPIO_SYSFS)
 * - unknown-chip:   no GPIO chip with a known Raspberry Pi pinctrl label
 * - line-range:     the BCM line number does not exist on the chip
 * - not-accessible: sysfs GPIO exists but this process may not export lines
 * - busy:           the line is already open in this process
 * - closed:         the handle was closed
 * - invalid:        a bad argument (edge, debounce, level)
 * - io:             the kernel refused an operation (EBUSY from a kernel driver, EACCES, …)
 */
export type GpioErrorKind =
  | 'no-sysfs'
  | 'unknown-chip'
  | 'line-range'
  | 'not-accessible'
  | 'busy'
  | 'closed'
  | 'invalid'
  | 'io';

export class GpioError extends Error {
  override readonly name = 'GpioError';

  constructor(
    readonly kind: GpioErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The errno code of a Node system error ("ENOENT", "EACCES"), if any. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = err.code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
