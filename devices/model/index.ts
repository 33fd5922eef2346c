/**
 * The device model: the interface every device kind implements (types.ts) and the shared
 * machinery they build on (DeviceBase, Poller, HealthTracker, validation).
 */
export * from './types.js';
export { DeviceBase, type DeviceBaseOptions, type PollSettings } from './base.js';
export { Poller, quietly, type PollerOptions } from './poller.js';
export { HealthTracker, errorMessage, type HealthTrackerOptions } from './health.js';
export { validateValue, validateParams, allowed } from './validate.js';
export { DeviceError } from './types.js';
export type { Device, DeviceDescription, DeviceEvent, DeviceKind, Health, PropertySpec, Value } from './types.js';
export { bootState, type OutputMemory, type OutputPolicy } from './output-policy.js';
