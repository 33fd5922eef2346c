/**
 * Virtual Modbus RTU parts: a generic RTU server and the fan-coil unit behind it. The protocol
 * itself (request model, server PDU codec, exception codes, RTU timing) is drivers/modbus's.
 */
export { RtuFrameAssembler, rtuRequestLength, type RtuFramerOptions } from './rtu-framer.js';
export { ModbusRtuServer, type ModbusRtuServerOptions, type ModbusServedEvent } from './rtu-server.js';
export {
  RegisterTable,
  describeMap,
  engineering,
  fromWord,
  toWord,
  refusal,
  type RegisterDef,
  type UnitRegisterMap,
} from './register-map.js';
export { CHILTRIX_CXI } from './maps/index.js';
export { operate, MODE_CODES, PROPORTIONAL_BAND_C, type FanCoilMode, type FanCoilOperation, type FanCoilSettings } from './fan-coil-physics.js';
export { FanCoilUnit, type FanCoilOptions, type FanCoilSensor } from './fan-coil.js';
export { createFanCoilPart, type FanCoilPart, type FanCoilPartOptions } from './hvac-part.js';
