/**
 * PIA discovery and latching (docs/protocol.md §4) and the security context every inbound
 * datagram carries (§7).
 */
export { canonicalAddress } from '../address.js'; // shared (../address.ts), re-exported for this surface
export { unusablePeerAddress } from './address.js';
export {
  DISCOVERY_OPTION_LONG,
  DISCOVERY_OPTION_SHORT,
  DiscoveryFlag,
  PIA_DISCOVERY_OPTION,
  PIA_DISCOVERY_VERSION,
  decodeDiscoveryOption,
  encodeDiscoveryOption,
  isCritical,
  isElective,
  isExperimentalOption,
  isNoCacheKey,
  isSafeToForward,
  isUnsafe,
  type DiscoveryOption,
} from './option.js';
export {
  PIA_REQUIRED_DIAGNOSTIC,
  PeerDiscovery,
  RETRY_FIRST_MS,
  RETRY_MAX_MS,
  exchangeRetryDelayMs,
  type DiscoveryAction,
  type DiscoveryOptions,
  type InboundDecision,
  type OutgoingDecision,
  type PeerView,
  type PlaintextPolicy,
  type Stage,
} from './discovery.js';
export {
  DEFAULT_MAX_LATCHES,
  LatchTable,
  MemoryLatchStore,
  type LatchEntry,
  type LatchInfo,
  type LatchStore,
  type LatchTableOptions,
  type LatchView,
} from './latch-store.js';
export {
  FileLatchStore,
  LATCH_FILE_FORMAT,
  LATCH_FILE_VERSION,
  LatchStoreError,
  parseLatchFile,
  serialiseLatches,
  type FileLatchStoreOptions,
  type LatchFs,
} from './latch-file.js';
export {
  describeSecurityContext,
  espContext,
  formatEndpoint,
  plaintextContext,
  type AuthenticatedContext,
  type EspContext,
  type Grant,
  type PeerEndpoint,
  type PeerIdentity,
  type PlaintextContext,
  type SaInfo,
  type SecurityContext,
} from './security-context.js';
