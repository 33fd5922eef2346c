/**
 * The exit codes of `pia` (listed in its --help and in README.md, "`pia`"). Scripts branch on
 * them, so they never change meaning.
 */
export const ExitCode = {
  /** ping: the handshake completed and at least one echo came back; listen: stopped by a signal. */
  Ok: 0,
  /** The handshake timed out, or every echo was lost. */
  NoAnswer: 1,
  /** Bad arguments, or something they name cannot be used (bind address, latch file, PIA_KEYLOG). */
  Usage: 2,
  /** A send failed or the network answered ICMP unreachable: nothing listens on the port (ECONNREFUSED), no route (ENETUNREACH), host unreachable (EHOSTUNREACH), a firewall (EACCES/EPERM). */
  Unreachable: 3,
  /** The responder sent REFUSE: no common suite, or it does not speak PIA version 1. */
  Refused: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
