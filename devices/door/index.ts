/** Door locks: the lock model shared by every lock kind, its profiles, and the door. */
export { createDoor, createLock, type DoorOptions } from './door.js';
export { LockDevice, type LockOptions } from './lock-device.js';
export { resolveLockConfig, describeLock, type LockConfig } from './lock-description.js';
export { LockLogic, LOCK_ALARMS, type LockAlarm, type LockHooks, type LockProperty, type LockSettings } from './lock-logic.js';
export { DOOR_PROFILE, SAFE_PROFILE, type LockProfile, type LockType } from './profile.js';
