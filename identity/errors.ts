/**
 * Failures a technician sees from `pia-provision`, each naming the thing, the problem and what
 * to check. `kind` picks the exit code (provisioning/cli/exit-codes.ts).
 */
export type ProvisioningErrorKind =
  | 'usage' // bad arguments or files given to the command
  | 'no-response' // nothing answered at the part's address
  | 'wrong-part' // something answered, but not the expected part
  | 'part-locked' // the part is locked in a state that cannot take this identity
  | 'already-provisioned' // the board holds an identity; --force <old ID> is needed
  | 'station-not-authorized' // the trusted server refused this station
  | 'server-unreachable' // no answer from the trusted server
  | 'refused' // the trusted server refused the request (other reasons)
  | 'verify-failed' // read-back or the phase-3 exchange did not confirm the identity
  | 'board-fault'; // any other hardware failure (bus error, CRC, write-protect)

export class ProvisioningError extends Error {
  override readonly name = 'ProvisioningError';
  constructor(
    readonly kind: ProvisioningErrorKind,
    message: string,
    options?: { cause?: unknown; reason?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options?.reason;
  }

  /** The trusted server's reason code (docs/protocol.md §9.5), when it refused. */
  readonly reason: number | undefined;
}
