/**
 * PIA, the security layer (docs/protocol.md): discovery, the phase-2 key exchange, the ESP
 * data plane. Knows nothing of devices, CoAP resources or MQTT. The node that wires these to
 * a transport (SA table, lifecycle timers, security context per datagram) comes next.
 */
export { PiaDecodeError } from './errors.js';
export { SuiteId, SUITE_NAMES, isSuiteId } from './suites-ids.js';
export * as esp from './esp/index.js';
export * as handshake from './handshake/index.js';
export * as discovery from './discovery/index.js';
