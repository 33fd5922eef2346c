/**
 * The exit codes of `pia-gateway` (listed in its --help and in firmware/config/README.md).
 * Scripts branch on them, so they never change meaning; a new subcommand reuses these and
 * adds new numbers only for new meanings.
 */
export const ExitCode = {
  /** check: the file is valid (and, with --hardware, this host has what it names); discover: at least one bus was scanned. */
  Ok: 0,
  /** check: the configuration cannot be used (unreadable, not YAML, or invalid: every problem printed); discover: no bus could be scanned. */
  Invalid: 1,
  /** Bad arguments: unknown command or option, a missing value. */
  Usage: 2,
  /** check --hardware: the file is valid, but this host lacks something it names (an I2C bus, a PWM channel, a serial port, the credential). */
  HostMissing: 3,
  /** run: the gateway could not start (ports, addresses, credential, state directory): the message says which and the fix. */
  StartFailed: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
