/**
 * The virtual hardware: parts faithful to their datasheets behind the driver interfaces,
 * fault injection, the room model, and the whole virtual building.
 */
export { FaultInjector, FAULT_KINDS, corruptLastByte, garbageBytes, type FaultKind } from './faults.js';
export type { I2cTarget, SerialDevice } from './types.js';
export { Room, type RoomOptions, type ThermalInfluence } from './physics/room.js';
export { VirtualSerialLine } from './serial/virtual-line.js';
export { PtyAttachment, type PtyAttachOptions, type SwitchesBaudRate } from './serial/pty-attach.js';
export * from './gpio/index.js';
export * from './pwm/index.js';
export * from './parts/index.js';
export * from './i2c/index.js';
export * from './i2c-identity/index.js';
export * from './modbus/index.js';
export * from './camera/index.js';
export { runSim, parseSimArgs, USAGE, UsageError, type SimIo } from './cli/index.js';
export { createVirtualBuilding, BUILDING_LINES, BUILDING_PWM, type VirtualBuilding, type VirtualBuildingOptions } from './building.js';
