/** Shared building blocks with no hardware or network knowledge. */
export { type Clock, type TimerHandle, systemClock, ManualClock, MANUAL_WALL_START_MS, wallTime } from './clock.js';
export { Mutex } from './mutex.js';
export { crc16Reflected8005 } from './crc16.js';
export { runProgram } from './program.js';
export { TokenBuckets, type Bucket } from './token-buckets.js';
export { durableTempPath, writeFileDurably } from './durable-file.js';
export type { DurableFs } from './durable-file.js';
export type { ActionSpec, BlobSpec, Health, HealthStatus, ParamSpec, PropertySpec, ResourceDescription, Value } from './resource-specs.js';
export { SystemdNotifier, systemdNotifyCommand, watchdogInterval, type NotifierOptions, type NotifySend, type SystemdEnv } from './systemd/index.js';
