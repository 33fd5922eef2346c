/**
 * The gateway runtime (README.md here): gateway.yaml + hardware → every device served as its
 * own CoAP endpoint, plain and over PIA, with policy, audit log, fail-safes, health and
 * metrics (systemd's notify protocol: common/systemd).
 */
export { startGateway, GatewayStartError, GATEWAY_ADDRESS_NAME, LATCH_FILE, UPLINK_QUEUE_FILE } from './gateway.js';
export { loadGatewayIdentity, type GatewayIdentityOptions } from './identity.js';
export { UplinkBridge, COALESCE_MS, HEALTH_CHECK_MS, type BridgedDevice, type UplinkPort } from './uplink-bridge.js';
export type { Gateway, GatewayDevice, GatewayOptions } from './types.js';
export { hostHardware, linuxHardware, toGatewayHardware, type GatewayHardware, type HostHardware, type LinuxHardwareOptions } from './hardware.js';
export { memoryGatewayNetwork, udpNetwork, type GatewayNetwork, type TrustState, type TrustCheck } from './pia-endpoint.js';
export { buildDevices, REGISTER_MAPS, type BuiltDevice, type BuildContext } from './build-devices.js';
export { DeviceRunner, OUTPUT_KINDS, bounded, type ManagedDevice, type StopOutcome } from './device-runner.js';
export { createAuthorize, policyDecision, scopeOf, verdictOf, describeRequest, type PolicyDevice, type RequestScope } from './access.js';
export { createDeviceServer, type AccessHooks, type DeviceServer, type DeviceServerOptions } from './device-server.js';
export { AuditTrail, safeText } from './audit-trail.js';
export { servedDevice, subjectOf } from './served-device.js';
export { GatewayMetrics } from './metrics.js';
export { createGatewayLogger, type LoggerOptions } from './logger.js';
