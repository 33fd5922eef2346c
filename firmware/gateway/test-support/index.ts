/** Test helpers: a whole gateway on the in-memory network with the simulated building and a trusted server. */
export { memoryGateway, DEMO_CONFIG, type MemoryGateway, type MemoryGatewayOptions, type Operator } from './memory-gateway.js';
export { trustedGateway, TRUST_SERVER, FIRMWARE, type TrustedGateway, type TrustedGatewayOptions, type PeerNode } from './trusted-gateway.js';
export { openedInTest, type Opened } from './opened.js';
export { piactlAgainst, type PiactlRun } from './piactl.js';
