/** Test-only helpers: a fan-coil part on a virtual line with a ManualClock, RTU frame builders. */
export * from './harness.js';
