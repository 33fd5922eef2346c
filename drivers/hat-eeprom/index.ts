/** Raspberry Pi HAT ID EEPROM (24C32 at 0x50): image format codec and bus client. */
export { HatEeprom, type HatEepromOptions } from './client.js';
export { HatEepromError, type HatEepromErrorKind } from './errors.js';
export { crc16Arc } from './crc16-arc.js';
export {
  ATOM_TYPE,
  ATOM_OVERHEAD,
  HAT_FORMAT_VERSION,
  HAT_SIGNATURE,
  HEADER_SIZE,
  atomName,
  decodeHatImage,
  encodeHatImage,
  imageLength,
  type DecodedAtom,
  type HatAtom,
  type HatImage,
} from './format.js';
export {
  decodePiaHatData,
  decodeVendorInfo,
  encodeGpioMap,
  encodePiaHatData,
  encodeVendorInfo,
  type GpioMap,
  type PiaHatData,
  type VendorInfo,
} from './atoms.js';
