/** Device-side protocol clients: the ATECC608 secure element and the HAT ID EEPROM. */
export * from './atecc608/index.js';
export * from './hat-eeprom/index.js';
export * from './camera/index.js';
