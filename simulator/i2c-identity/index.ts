/** Identity parts: the ATECC608 secure element and the 24C32 HAT ID EEPROM, as I2C targets. */
export {
  Atecc608Sim,
  type Atecc608SimOptions,
  type Atecc608Power,
  ATECC608_DEFAULT_ADDRESS,
  ATECC608A_REVISION,
  WAKE_RESPONSE,
  T_WHI_MS,
  WATCHDOG_MS,
  WATCHDOG_LONG_MS,
} from './atecc608.js';
export { EXECUTION_MS, Opcode } from './atecc608-commands.js';
export { Status, WordAddress, atCrc } from './atecc608-packet.js';
export { CONFIG_SIZE, OTP_SIZE, SLOT_SIZES, ConfigOffset } from './atecc608-zones.js';
export {
  HatEepromSim,
  type HatEepromSimOptions,
  HAT_EEPROM_ADDRESS,
  EEPROM_24C32_SIZE,
  EEPROM_24C32_PAGE,
  EEPROM_WRITE_CYCLE_MS,
} from './hat-eeprom.js';
