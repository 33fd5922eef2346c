/** Microchip ATECC608 secure element: host client (provisioning, HMAC through the chip). */
export { Atecc608, type Atecc608Options } from './atecc608.js';
export { atecc608NodeKey, type SecureElementNodeKey } from './node-key.js';
export { Atecc608Error, type Atecc608ErrorKind } from './errors.js';
export { Atecc608Link, type Atecc608LinkOptions, type Command, MAX_EXECUTION_MS } from './link.js';
export {
  CONFIG_ZONE_SIZE,
  CONFIG_OFFSET,
  SLOT_SIZES,
  SECRET_KEY_SLOT_CONFIG,
  SECRET_KEY_KEY_CONFIG,
  parseConfig,
  isSecretSlot,
  writeMode,
  withSlot,
  type Atecc608Config,
  type WriteMode,
} from './config.js';
export { atcaCrc, buildCommand, responseCrcOk, statusName, STATUS, WAKE_OK } from './packet.js';
