/**
 * The exit codes of `piactl` (listed in its --help and in operator/README.md). Scripts branch
 * on them, so they never change meaning.
 */
export const ExitCode = {
  /** The command did what was asked (watch: stopped by --count or Ctrl-C). */
  Ok: 0,
  /** The device failed: a 5.xx answer (5.00 failed, 5.03 busy), or it sent something unusable (a broken JPEG). */
  DeviceError: 1,
  /** Bad arguments, or a file they name cannot be used (the credential, the known-gateways file, the snapshot's output). */
  Usage: 2,
  /** Unreachable: nothing listens at the gateway's port (ICMP, at once), the gateway does not answer (PIA or CoAP), or it cannot reach the trusted server. */
  Unreachable: 3,
  /** Not authorized: phase 3 denied by the trusted server (reason 6: not the gateway expected), the gateway's policy refused (4.01, 4.03), or the gateway closed the association because the trusted server revoked this operator (CLOSE reason 3). */
  NotAuthorized: 4,
  /** Not found: no such device or resource (4.04, or a name the gateway's listing does not have). */
  NotFound: 5,
  /** Invalid: the device refused the value or the request (4.00; also 4.05 read-only, other 4.xx). */
  Invalid: 6,
  /** Interrupted (Ctrl-C, SIGTERM) before the command completed; `watch` stops with 0 instead. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A command that cannot complete: its exit code, the message for a person, and fields for --json. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** Bad arguments (exit 2): the message names the argument, what is wrong and what to write. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = ExitCode.Usage;
}
