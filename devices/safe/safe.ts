/**
 * The safe: the door's lock model (devices/door) with the safe profile: fail-secure only,
 * a shorter maximum unlock window, no request-to-exit unless configured, its own names
 * (kind "safe", resource types "pia.safe.*").
 */
import { createLock, SAFE_PROFILE, type LockOptions } from '../door/index.js';
import type { Device } from '../model/types.js';

/** Lock options without the REX button unless `rex: true` is given. */
export type SafeOptions = LockOptions;

export function createSafe(options: SafeOptions): Device {
  return createLock(SAFE_PROFILE, options);
}
