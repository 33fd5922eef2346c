/**
 * PIA, the security layer (docs/protocol.md): discovery, the phase-2 key exchange, the ESP
 * data plane, and the node that wires them to a transport (SA table, lifecycle timers, security
 * context per datagram). Knows nothing of devices, CoAP resources or MQTT.
 */
export { PiaDecodeError } from './errors.js';
export { SuiteId, SUITE_NAMES, isSuiteId } from './suites-ids.js';
export {
  SUITE_NAME_CHOICES,
  SuiteListError,
  cpuSuiteChoice,
  cpuinfoHasAes,
  describeSuiteChoice,
  parseSuiteNames,
  readCpuAes,
  readProcCpuinfo,
  suiteChoice,
  type CpuAes,
  type SuiteChoice,
} from './suite-order.js';
export {
  IPV6_ADDRESS_LENGTH,
  addressFromText,
  addressToText,
  canonicalAddress,
  ipv4OfMapped,
  isIpv4Mapped,
  type AddressTextOptions,
  AddressCache,
} from './address.js';
export * as esp from './esp/index.js';
export * as handshake from './handshake/index.js';
export * as discovery from './discovery/index.js';
export * as node from './node/index.js';
