/**
 * Modbus exception codes (MB Application Protocol V1.1b3 §7), one table for both sides: a
 * server (real or virtual) sends them, the master names the one it received.
 */
export const ModbusExceptionCode = {
  IllegalFunction: 0x01,
  IllegalDataAddress: 0x02,
  IllegalDataValue: 0x03,
  ServerDeviceFailure: 0x04,
  Acknowledge: 0x05,
  ServerDeviceBusy: 0x06,
  MemoryParityError: 0x08,
  GatewayPathUnavailable: 0x0a,
  GatewayTargetFailedToRespond: 0x0b,
} as const;
export type ModbusExceptionCode = (typeof ModbusExceptionCode)[keyof typeof ModbusExceptionCode];

/** The names §7 gives, lower case as they read inside a sentence. */
const NAMES: Readonly<Record<number, string>> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
} satisfies Record<ModbusExceptionCode, string>;

/** "illegal data address" for 2; "unknown exception 9" for a code §7 does not define. */
export function exceptionName(code: number): string {
  return NAMES[code] ?? `unknown exception ${code}`;
}
