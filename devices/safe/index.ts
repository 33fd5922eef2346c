/** The safe: the lock model with the safe profile. */
export { createSafe, type SafeOptions } from './safe.js';
