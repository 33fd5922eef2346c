/** Device models (model/ and one folder per kind) and device-side protocol clients: the ATECC608 secure element and the HAT ID EEPROM. */
export * from './atecc608/index.js';
export * from './hat-eeprom/index.js';
export * from './camera/index.js';
export * from './model/index.js';
export * from './door/index.js';
export * from './safe/index.js';
export * from './hvac/index.js';
export * from './thermometer/index.js';
export * from './fan/index.js';
export * from './lighting/index.js';
