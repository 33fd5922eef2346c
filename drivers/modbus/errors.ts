/**
 * What can go wrong in a Modbus RTU transaction, as types a caller can branch on:
 * - `ModbusFrameError`: a reply that is not a valid answer to our request (short, bad CRC,
 *   wrong unit or function, inconsistent length, bad echo). Retried by the master.
 * - `ModbusExceptionError`: a valid exception reply (function | 0x80, Modbus Application
 *   Protocol V1.1b3 §7). The device understood and refused: not retried.
 * - `ModbusTimeoutError`: no reply at all within the response timeout. Retried.
 */
import { exceptionName, type ModbusExceptionCode } from './exception-codes.js';

/** Function codes this master speaks (MB Application Protocol §6.3, §6.4, §6.6, §6.12). */
export const FUNCTION_NAMES: Readonly<Record<number, string>> = {
  0x03: 'read holding registers',
  0x04: 'read input registers',
  0x06: 'write single register',
  0x10: 'write multiple registers',
};

/** What a technician should check for each exception code (MB Application Protocol §7). */
const EXCEPTION_FIXES: Readonly<Record<number, string>> = {
  1: 'the device does not support this function; check its manual',
  2: 'the register does not exist on this device; check the register map and PDU (0-based) addressing',
  3: 'the value or register count is out of the range the device accepts',
  4: 'the device failed while acting on the request; check its status display',
  5: 'the device accepted a long-running request; poll again later',
  6: 'the device is busy; retry later',
  8: 'the device reports a memory fault; service it',
  10: 'the Modbus gateway has no path to the target; check its routing',
  11: 'the device behind the Modbus gateway did not answer',
} satisfies Record<ModbusExceptionCode, string>;

export function functionLabel(fn: number): string {
  return `function 0x${fn.toString(16).padStart(2, '0')} (${FUNCTION_NAMES[fn] ?? 'unknown'})`;
}

export type FrameProblem = 'short' | 'length' | 'crc' | 'unit' | 'function' | 'byte-count' | 'echo' | 'gap';

/** Where the problem most likely is, by kind (shown after the final failed attempt). */
export const FRAME_PROBLEM_FIX: Readonly<Record<FrameProblem, string>> = {
  short: 'the reply stopped early: check for noise, a loose A/B wire, or a device that resets',
  length: 'the reply length does not fit the function: check that baud rate and parity match the device',
  crc: 'the checksum failed: check termination (120 Ω at both ends), cable shielding, and baud rate/parity',
  unit: 'another unit answered: two devices may share this unit address',
  function: 'the reply is for another function: another master may be on the bus',
  'byte-count': 'the register count in the reply is wrong: check the device register map',
  echo: 'the write echo does not match the request: the device may have altered or rejected the value',
  gap: 'a pause inside the reply broke the frame (> 1.5 character times): check the line for interference',
};

/** A reply that is not a valid answer to the request sent. */
export class ModbusFrameError extends Error {
  override readonly name = 'ModbusFrameError';
  constructor(
    readonly problem: FrameProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The device answered with an exception: it received the request and refused it. */
export class ModbusExceptionError extends Error {
  override readonly name = 'ModbusExceptionError';
  readonly exceptionName: string;
  constructor(
    readonly unit: number,
    readonly functionCode: number,
    readonly code: number,
    context: string,
  ) {
    const fix = EXCEPTION_FIXES[code] ?? 'see the device manual for this code';
    super(`${context}: device replied exception ${code} (${exceptionName(code)}); ${fix}`);
    this.exceptionName = exceptionName(code);
  }
}

/** No reply within the response timeout, on every attempt. */
export class ModbusTimeoutError extends Error {
  override readonly name = 'ModbusTimeoutError';
  constructor(
    readonly unit: number,
    readonly functionCode: number,
    readonly timeoutMs: number,
    readonly attempts: number,
    context: string,
    settings: string,
  ) {
    super(
      `${context}: no reply within ${timeoutMs} ms (${attempts} attempt${attempts === 1 ? '' : 's'}); ` +
        `check that a device has unit address ${unit}, the A/B wiring and termination, and that it uses ${settings}`,
    );
  }
}
