/** Failures of the HAT EEPROM codec and client, each naming the thing, the problem and the fix. */
export type HatEepromErrorKind =
  | 'format' // not a HAT image, or a length that does not fit
  | 'crc' // an atom's CRC-16 does not match its contents
  | 'write-protected' // WP is high: the chip refused the data bytes
  | 'no-response' // nothing acknowledged the address
  | 'timeout' // the write cycle did not end in time
  | 'verify' // read-back differs from what was written
  | 'invalid'; // a bad argument

export class HatEepromError extends Error {
  override readonly name = 'HatEepromError';
  constructor(
    readonly kind: HatEepromErrorKind,
    problem: string,
    fix: string,
    options?: { cause?: unknown },
  ) {
    super(`${problem}; ${fix}`, options);
  }
}
