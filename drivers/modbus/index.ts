/**
 * Modbus RTU: CRC, the request model and exception codes both sides share, the master's frame
 * codec and the master, and the server side (PDU codec and ADU wrappers) for virtual devices.
 */
export { crc16Modbus, withCrc, hasValidCrc } from './crc.js';
export { ModbusExceptionCode, exceptionName } from './exception-codes.js';
export {
  ModbusFrameError,
  ModbusExceptionError,
  ModbusTimeoutError,
  functionLabel,
  FUNCTION_NAMES,
  type FrameProblem,
} from './errors.js';
export {
  MAX_READ_COUNT,
  MAX_WRITE_COUNT,
  type ModbusRequest,
  type ModbusRequestPdu,
  type ReadFunction,
} from './request.js';
export {
  encodeRequest,
  decodeReply,
  replyLength,
  validateRequest,
  MAX_ADU_LENGTH,
  type ModbusReply,
} from './frame.js';
export { rtuTiming, describeSettings, type RtuTiming } from './timing.js';
export { RtuMaster, type RtuMasterOptions, type RtuMasterStats } from './rtu-master.js';
export {
  decodeRequestPdu,
  exceptionPdu,
  readResponsePdu,
  writeResponsePdu,
  type DecodedRequestPdu,
  type ModbusRegisterBank,
  type ModbusRegisterKind,
} from './server-pdu.js';
export { decodeRequest, encodeReplyAdu, encodeReadReply, encodeWriteReply, encodeExceptionReply } from './server-codec.js';
