/** The I2C failures a device model must tell apart. */
export type I2cErrorKind =
  | 'nack' // the target did not acknowledge (EREMOTEIO 121 on a Pi, ENXIO on some adapters)
  | 'no-bus' // /dev/i2c-N does not exist (ENOENT) or cannot be opened (EACCES)
  | 'timeout' // clock stretching too long / adapter timeout (ETIMEDOUT)
  | 'io' // any other bus error (EIO, arbitration lost)
  | 'invalid'; // a bad argument (address out of range, block longer than 32 bytes)

const FIX: Record<I2cErrorKind, string> = {
  nack: 'check the wiring, the address and that the part is powered; a busy part (measuring, writing) NACKs until it is done',
  'no-bus': 'enable I2C (dtparam=i2c_arm=on in config.txt) and check that /dev/i2c-N exists and is readable',
  timeout: 'check pull-ups and cable length; prefer commands without clock stretching',
  io: 'check the wiring and pull-ups; retry',
  invalid: 'fix the call',
};

export class I2cError extends Error {
  override readonly name = 'I2cError';
  constructor(
    readonly kind: I2cErrorKind,
    readonly busNumber: number,
    readonly address: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    const where = address === undefined ? `i2c-${busNumber}` : `i2c-${busNumber} 0x${address.toString(16).padStart(2, '0')}`;
    super(`${where}: ${detail} (${kind}); ${FIX[kind]}`, options);
  }
}
