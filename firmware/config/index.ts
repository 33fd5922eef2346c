/**
 * gateway.yaml: its JSON Schema (gateway.schema.json, also docs/gateway.schema.json), the
 * loader with every problem named by file:line, device and fix, the host check, and I2C
 * discovery for `pia-gateway discover`. The format is described in README.md here.
 */
export { loadGatewayConfig, parseGatewayConfig, type LoadOptions } from './load.js';
export { ConfigError, formatProblem, sortProblems, type ConfigProblem, type Severity } from './problems.js';
export { GATEWAY_SCHEMA, compileGatewaySchema, closest } from './schema-check.js';
export { THERMOMETER_ADDRESSES } from './check-devices.js';
export { DEFAULTS } from './build.js';
export { parseHostPort, isLoopback } from './host-port.js';
export { checkHardware, nodeHostProbe, type HostProbe } from './hardware-check.js';
export { identifyI2cPart, PROBE_EVEN_IF_SILENT, type Identified } from './i2c-identify.js';
export { discoverI2c, discoverySnippet, scanI2cBus, type BusScan, type FoundPart } from './discover.js';
export {
  DEVICE_KINDS,
  KNOWN_REGISTER_MAPS,
  type CameraConfig,
  type ConfigSource,
  type DeviceCommon,
  type DeviceConfig,
  type FanConfig,
  type GatewayConfig,
  type GatewaySettings,
  type GpioLevel,
  type HostPort,
  type HvacConfig,
  type I2cTarget,
  type FanPolicyConfig,
  type LightingConfig,
  type LightingPolicyConfig,
  type LockConfig,
  type LockType,
  type MqttSettings,
  type PiaSettings,
  type PlainPolicy,
  type PwmRef,
  type SecureElementSettings,
  type SerialPortConfig,
  type ThermometerConfig,
  type ThermometerPart,
} from './types.js';
