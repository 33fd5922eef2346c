/** I2C: the bus interface, its errors, the Linux implementation, and shared checks and CRCs. */
export type { I2cBus, I2cBusOpener } from './types.js';
export { I2cError, type I2cErrorKind } from './errors.js';
export { LinuxI2cBusOpener, mapI2cError, type LinuxI2cBusOptions, type I2cBusModule, type I2cBusModuleBus } from './linux-bus.js';
export { crc8Sensirion, sensirionWord, parseSensirionWords } from './crc8-sensirion.js';
export {
  MIN_ADDRESS,
  MAX_ADDRESS,
  MAX_BLOCK_LENGTH,
  MAX_PLAIN_LENGTH,
  checkAddress,
  checkBlockLength,
  checkByte,
  checkPlainLength,
  checkWord,
} from './validate.js';
