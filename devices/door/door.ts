/**
 * The door: the lock model (lock-device.ts) with the door profile (strike or maglock, REX
 * button inside, held-open and forced-door alarms). `createLock` builds any lock kind from a
 * profile; devices/safe uses it with the safe profile.
 */
import type { Device } from '../model/types.js';
import { resolveLockConfig } from './lock-description.js';
import { LockDevice, type LockOptions } from './lock-device.js';
import { DOOR_PROFILE, type LockProfile } from './profile.js';

/** A lock of the kind `profile` describes; throws (naming the option and the fix) on a configuration the profile does not allow. */
export function createLock(profile: LockProfile, options: LockOptions): Device {
  return new LockDevice(profile, options, resolveLockConfig(profile, options));
}

export type DoorOptions = LockOptions;

export function createDoor(options: DoorOptions): Device {
  return createLock(DOOR_PROFILE, options);
}
