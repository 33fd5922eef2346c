/**
 * The PIA node (docs/protocol.md §2–§8): the key exchange, SA table and ESP data plane wired
 * to a datagram transport (real UDP or an in-memory network for tests).
 */
export { PIA_DEFAULT_PORT, type DatagramListener, type DatagramTransport, type Endpoint, type UnreachableListener } from './transport.js';
export { openUdpTransport, type UdpTransportOptions } from './udp-transport.js';
export {
  createMemoryNetwork,
  type AttachOptions,
  type Datagram,
  type Delivery,
  type Fate,
  type Interceptor,
  type MemoryNetwork,
  type MemoryNetworkOptions,
  type Observer,
  type Outcome,
} from './memory-network.js';
export { PiaNode, type CloseOptions, type DataListener, type EventListener } from './pia-node.js';
export { PeerUnreachableError } from './association-end.js';
export type { CloseReason } from './close-message.js';
export {
  SA_LIMITS,
  type InnerInfo,
  type OutboundDatagram,
  type PiaLogger,
  type PiaNodeCounters,
  type PiaNodeEvent,
  type PiaNodeOptions,
  type SaCloseReason,
  type SaLimits,
} from './node-types.js';
export { describeNodeEvent, failureMessage, LATCH_TOUCH_MS } from './node-support.js';
export type { ControlListener, Phase3Options } from './phase3-driver.js';
export type { AuthorityAnswer, AuthoritySource, TrustAuthority } from './trust-authority.js';
export { watchSends, type SendFailure } from './watch-sends.js';
