/** HVAC: a Modbus RTU unit (fan coil) driven by its register map as data; one file per unit type under maps/. */
export { createHvac, HvacDevice, type HvacOptions, type ModbusMaster } from './hvac-device.js';
export { CHILTRIX_CXI } from './maps/index.js';
export {
  checkUnitMap,
  engineeringOf,
  rawFor,
  rawOf,
  readBlocks,
  rolesOf,
  type HvacFaultRegister,
  type HvacRegister,
  type HvacRegisters,
  type HvacRole,
  type HvacUnitMap,
  type RegisterTable as HvacRegisterTable,
} from './unit-map.js';
export { decodePoll, encodeWrite, hvacProperties, type DecodedPoll } from './hvac-codec.js';
