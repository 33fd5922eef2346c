/**
 * The exit codes of `pia-trust` (listed in its --help and in trust-server/README.md). Scripts
 * branch on them, so they never change meaning.
 */
export const ExitCode = {
  /** Done (serve: stopped by SIGINT/SIGTERM; audit verify: the chain is intact). */
  Ok: 0,
  /** `audit verify`: the chain is broken; the first broken record is named. */
  AuditBroken: 1,
  /** Bad arguments, or a file they name cannot be used (--out exists, --token-file unreadable). */
  Usage: 2,
  /** The admin API cannot be reached: the server is not running, or --api names the wrong place. */
  Unreachable: 3,
  /** The server refused the request: invalid input (400), unknown node or grant (404), wrong token (401). */
  Refused: 4,
  /** `serve` could not start, or the state directory cannot be used (master key, database, ports), including a PostgreSQL database out of reach (--database). */
  StartFailed: 5,
  /** `policy check|apply`: a test in the policy file does not hold (apply changed nothing). */
  PolicyTestsFailed: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
