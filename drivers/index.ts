/**
 * The hardware boundary: one interface per kind of line or bus, with its Linux implementation,
 * and the bus protocols on top of them that are not devices: Modbus RTU, and the identity chips
 * (the ATECC608 secure element and the HAT ID EEPROM, both on I2C). Device models depend on
 * these only; `simulator/` implements the interfaces with virtual parts.
 */
export * from './gpio/index.js';
export * from './pwm/index.js';
export * from './i2c/index.js';
export * from './serial/index.js';
export * from './modbus/index.js';
export * from './atecc608/index.js';
export * from './hat-eeprom/index.js';
