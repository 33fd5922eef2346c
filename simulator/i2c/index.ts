/** The virtual I2C bus and the thermometer/hygrometer parts that sit on it. */
export { VirtualI2cBus, type VirtualI2cBusOptions, type I2cTransaction } from './virtual-bus.js';
export { type Environment, environmentFrom, SEA_LEVEL_PA } from './environment.js';
export { Sht31, type Sht31Options, SHT3X_STATUS, SHT3X_HEATER_RISE_C } from './sht31.js';
export { Sht4x, type Sht4xOptions } from './sht4x.js';
export { Mcp9808, type Mcp9808Options, MCP9808_REG } from './mcp9808.js';
export { Tmp102, type Tmp102Options, TMP102_REG } from './tmp102.js';
export { Bme280, type Bme280Options, BME280_REG } from './bme280.js';
export {
  type Bme280Calibration,
  type Bme280Raw,
  BME280_TYPICAL_CALIBRATION,
  BME280_SKIPPED,
  compensateTemperature,
  compensatePressure,
  compensateHumidity,
  compensateBme280,
  encodeBme280Calibration,
  parseBme280Calibration,
  parseBme280Burst,
} from './bme280-compensation.js';
export { encodeTemperature, encodePressure, encodeHumidity } from './bme280-encode.js';
