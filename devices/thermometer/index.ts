/** Thermometers: one Device kind over SHT31, SHT4x, MCP9808, BME280 and TMP102 part drivers. */
export {
  createThermometer,
  createThermometerPart,
  THERMOMETER_DEFAULT_ADDRESS,
  type ThermometerOptions,
  type ThermometerSource,
  type ThermometerPartName,
} from './thermometer.js';
export { ThermometerPartError, type ThermometerPart, type ThermometerReading, type ThermometerPartContext } from './part.js';
export { sht31Part, sht4xPart, type SensirionOptions } from './sensirion.js';
export { mcp9808Part } from './mcp9808.js';
export { tmp102Part } from './tmp102.js';
export { bme280Part, type Bme280PartOptions } from './bme280.js';
