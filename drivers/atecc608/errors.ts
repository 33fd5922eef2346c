/** Failures of the ATECC608 client, each naming the chip, the problem and the fix. */
export type Atecc608ErrorKind =
  | 'no-response' // nothing acknowledged the wake or the command
  | 'wrong-chip' // something answered, but not an ATECC608
  | 'crc' // responses kept arriving with a bad CRC (or the chip kept seeing ours as bad)
  | 'timeout' // the chip stayed busy past the command's maximum execution time
  | 'locked' // the zone is locked: the change is refused, for ever
  | 'unlocked' // the zone must be locked first
  | 'not-readable' // a secret slot: the chip never reveals it
  | 'refused' // any other status the chip answered
  | 'invalid'; // a bad argument from the caller

export class Atecc608Error extends Error {
  override readonly name = 'Atecc608Error';
  constructor(
    readonly kind: Atecc608ErrorKind,
    /** e.g. "ATECC608 at i2c-1 0x60" */
    readonly where: string,
    problem: string,
    fix: string,
    /** The chip's status byte, when it answered one. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${where}: ${problem}; ${fix}`, options);
  }
}
