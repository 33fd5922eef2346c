/** Serial lines: the interface, the node-serialport implementation, port listing. */
export {
  type Parity,
  type SerialSettings,
  type SerialLineState,
  type SerialLine,
  bitsPerCharacter,
  characterTimeMs,
} from './types.js';
export { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export {
  SerialPortLine,
  nodeSerialPortFactory,
  type SerialPortLineOptions,
  type SerialPortFactory,
  type SerialPortLike,
  type PortOpenOptions,
} from './serialport-line.js';
export { listSerialPorts, type SerialPortInfo, type SerialPortList, type ListSerialPortsOptions } from './list-ports.js';
