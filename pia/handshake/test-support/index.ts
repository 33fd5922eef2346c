/** Test helpers for the key exchange: deterministic randomness and an in-memory pair. */
export { seededRandom, constantRandom, hex, unhex, type ScriptedRandom } from './random.js';
export { x25519Reference, hkdfExtractReference, hkdfExpandReference } from './independent.js';
export { runPair, sent, establishedKeys, flipBit, I_ADDR, R_ADDR, type Datagram, type Interceptor, type PairLog } from './wire.js';
