/**
 * The hardware boundary: one interface per kind of line or bus, with its Linux implementation.
 * Device models depend on these interfaces only; `simulator/` implements them with virtual parts.
 */
export * from './gpio/index.js';
export * from './pwm/index.js';
export * from './i2c/index.js';
export * from './serial/index.js';
export * from './modbus/index.js';
