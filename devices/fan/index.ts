/** Fans: a 4-pin PWM fan with tachometer, stall detection and a temperature fail-safe. */
export { createFan, type FanOptions, type FanStallOptions } from './fan.js';
export {
  FailSafeMonitor,
  temperatureFromDevice,
  type FailSafeOptions,
  type FailSafeDecision,
  type TemperatureReading,
  type TemperatureSource,
} from './fail-safe.js';
export { TachCounter } from './tach.js';
