/** Test helpers for Modbus: a scripted server on a virtual serial line. Not for production code. */
export {
  ScriptedModbusDevice,
  type Script,
  type ScriptedAnswer,
  type ReceivedFrame,
  type SentReply,
} from './scripted-device.js';
