/** Picks an AEAD implementation by suite and library (docs/protocol.md §6). */
import { SuiteId } from '../suites-ids.js';
import type { Aead, AeadLibrary } from './aead.js';
import { nobleAead } from './aead-noble.js';
import { nodeAead } from './aead-node.js';

export function createAead(suite: SuiteId, library: AeadLibrary): Aead {
  switch (library) {
    case 'noble':
      return nobleAead(suite);
    case 'node':
      return nodeAead(suite);
  }
}

/** Every suite × library pair, for tests and benchmarks. */
export function allAeads(): Aead[] {
  const suites = [SuiteId.AesGcm256, SuiteId.ChaCha20Poly1305];
  return suites.flatMap((suite) => [nobleAead(suite), nodeAead(suite)]);
}
