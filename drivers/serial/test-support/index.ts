/** Helpers for tests that need real serial endpoints (socat pty pairs). Not for production code. */
export { startPtyPair, type PtyPair, type PtyPairOptions } from './pty-pair.js';
