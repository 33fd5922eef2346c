/** Test helpers for phase 3: real phase-2 pairs, an in-memory registry, A/B/S wiring. */
export { phase2Pair, type Phase2End } from './phase2.js';
export { TestRegistry, type TestNode } from './registry.js';
export { exchange, runOnce, only, payloads, keysOf, kinds, type Exchange, type Run } from './world.js';
