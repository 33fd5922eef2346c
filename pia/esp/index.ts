/** ESP data plane (docs/protocol.md §6): AEAD suites, ESP codec, replay window, inner packets, key log. */
export { AEAD_KEY_LENGTH, AEAD_LIBRARY_NAMES, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, NODE_CIPHER_NAMES, type Aead, type AeadLibrary } from './aead.js';
export { nobleAead } from './aead-noble.js';
export { nodeAead } from './aead-node.js';
export { inspectSodium, loadSodium, sodiumAead, type SodiumStatus } from './aead-sodium.js';
export { allAeads, createAead, defaultAeadLibrary, sodiumFallbackNotice } from './aead-select.js';
export { REPLAY_WINDOW_SIZE, ReplayWindow, inferEsn, type ReplayVerdict } from './replay-window.js';
// The shared 16-byte address helpers (../address.ts), re-exported for users of this library's surface.
export { IPV6_ADDRESS_LENGTH, addressFromText, addressToText, ipv4OfMapped } from '../address.js';
export { MAX_DATAGRAM, PacketBuffer } from './packet-buffer.js';
export {
  INNER_DST_OFFSET,
  INNER_OVERHEAD,
  INNER_SRC_OFFSET,
  MAX_INNER_PAYLOAD,
  buildInnerPacket,
  checkInnerPacket,
  innerDstPort,
  innerSrcPort,
  parseInnerPacket,
  writeInnerPacket,
  type InnerPacket,
  type InnerPacketFields,
} from './inner-packet.js';
export {
  ESP_HEADER_LENGTH,
  ESP_MIN_DATAGRAM,
  ESP_PAYLOAD_OFFSET,
  ESP_SALT_LENGTH,
  EspDirection,
  EspNextHeader,
  checkEspDatagram,
  checkNextHeader,
  espDatagramLength,
  espPayloadLength,
  espSeqLow,
  espSpi,
  openEsp,
  parseEspHeader,
  sealEsp,
  type EspHeader,
  type EspOpenParams,
  type EspOpened,
  type EspSealParams,
  type EspSequenceForm,
} from './esp-packet.js';
export { WIRESHARK_ESP_ALGORITHMS, formatEspSaLine, openKeyLog, type EspSaKeyLogEntry, type KeyLog, type KeyLogOptions } from './keylog.js';
