/**
 * The exit codes of `pia-provision` (its --help and provisioning/README.md list them). A line
 * script at the station branches on them, so they never change meaning.
 */
import type { ProvisioningErrorKind } from '../../identity/index.js';

export const ExitCode = {
  /** The board is provisioned, registered and verified (also when a re-run completed it). */
  Ok: 0,
  /** Bad arguments, or a file they name cannot be used (the station credential, the batch file). */
  Usage: 1,
  /** The board: nothing at the address, the wrong part, a part locked in an unusable state, a bus fault. */
  Board: 2,
  /** The board already holds an identity; nothing was changed (--force ID replaces it where possible). */
  AlreadyProvisioned: 3,
  /** The trusted server refused this station (not a station, revoked, a key mismatch). */
  StationNotAuthorized: 4,
  /** The trusted server did not answer, or refused the request for another reason. */
  Server: 5,
  /** Written, but read-back or the phase-3 exchange did not confirm it: run again to resume. */
  VerifyFailed: 6,
  /** batch: at least one board failed (each board's outcome is in the report). */
  BatchFailures: 7,
  /** Interrupted (Ctrl-C, SIGTERM); a re-run resumes the board. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeFor(kind: ProvisioningErrorKind): ExitCode {
  switch (kind) {
    case 'usage':
      return ExitCode.Usage;
    case 'no-response':
    case 'wrong-part':
    case 'part-locked':
    case 'board-fault':
      return ExitCode.Board;
    case 'already-provisioned':
      return ExitCode.AlreadyProvisioned;
    case 'station-not-authorized':
      return ExitCode.StationNotAuthorized;
    case 'server-unreachable':
    case 'refused':
      return ExitCode.Server;
    case 'verify-failed':
      return ExitCode.VerifyFailed;
  }
}
