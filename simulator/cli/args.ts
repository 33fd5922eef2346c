/**
 * `pia-sim` command line: parsed with node:util parseArgs, every value checked, and every
 * refusal naming the argument, what is wrong and what to write instead (exit code 2).
 */
import { parseArgs } from 'node:util';
import type { SerialSettings } from '../../drivers/serial/index.js';

export const USAGE = `pia-sim: virtual hardware on a real serial port (one end of a socat pty pair)

usage:
  pia-sim modbus-hvac --serial PATH [--unit 15] [--baud 9600] [--parity none|even|odd]
                      [--stop-bits 1|2] [--turnaround-ms 5] [--slack-ms 5] [--room-temp 24]
      a Chiltrix CXI fan-coil unit (Modbus RTU server, 9600 8N1, unit 15) in a simulated room
  pia-sim vc0706 --serial PATH [--baud 38400] [--image-size 640x480|320x240|160x120]
      a VC0706 serial JPEG camera (38400 8N1) looking at a moving test scene
  pia-sim --help

make a pty pair first, give one end to pia-sim and the other to your program:
  socat -d -d pty,raw,echo=0,link=/tmp/sim pty,raw,echo=0,link=/tmp/host &
  pia-sim modbus-hvac --serial /tmp/sim &
  mbpoll -m rtu -b 9600 -P none -a 15 -0 -1 -t 4 -r 28302 -c 2 /tmp/host

stops cleanly (port closed, exit 0) on Ctrl-C or SIGTERM.
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ModbusHvacCommand {
  readonly part: 'modbus-hvac';
  readonly serial: string;
  readonly unit: number;
  readonly settings: SerialSettings;
  readonly turnaroundMs: number;
  readonly slackMs: number;
  readonly roomC: number;
}

export interface Vc0706Command {
  readonly part: 'vc0706';
  readonly serial: string;
  readonly baudRate: number;
  readonly imageSizeCode: number;
}

export type SimCommand = { readonly part: 'help' } | ModbusHvacCommand | Vc0706Command;

const PARTS = ['modbus-hvac', 'vc0706'] as const;
const VC0706_BAUDS = [9600, 19200, 38400, 57600, 115200];
const IMAGE_SIZES: Readonly<Record<string, number>> = { '640x480': 0x00, '320x240': 0x11, '160x120': 0x22 };

/** Parses `pia-sim` arguments (without the program name). Throws `UsageError`. */
export function parseSimArgs(args: readonly string[]): SimCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        serial: { type: 'string' },
        unit: { type: 'string' },
        baud: { type: 'string' },
        parity: { type: 'string' },
        'stop-bits': { type: 'string' },
        'turnaround-ms': { type: 'string' },
        'slack-ms': { type: 'string' },
        'room-temp': { type: 'string' },
        'image-size': { type: 'string' },
      },
    });
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    const name = /'(-[^' ]+)/.exec(message)?.[1] ?? 'an option';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option '${name}'; run 'pia-sim --help' for the options`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new UsageError(`${name} needs a value: ${name} VALUE, or ${name}=VALUE when the value starts with '-' (e.g. --room-temp=-5)`);
    }
    throw new UsageError(`${message}; run 'pia-sim --help' for the options`);
  }
  const { values: v, positionals } = parsed;
  if (v.help === true) return { part: 'help' };
  const part = positionals[0];
  if (part === undefined) throw new UsageError(`no part given; write one of: ${PARTS.join(', ')} (e.g. 'pia-sim modbus-hvac --serial /tmp/sim')`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'; options start with -- (see 'pia-sim --help')`);
  const serial = v.serial;
  if (serial === undefined || serial === '') throw new UsageError(`${part}: --serial is missing; give the pty path pia-sim serves on, e.g. --serial /tmp/sim`);
  const only = (allowed: readonly string[]): void => {
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k)) throw new UsageError(`--${k} does not apply to ${part}; see 'pia-sim --help'`);
    }
  };
  switch (part) {
    case 'modbus-hvac': {
      only(['serial', 'unit', 'baud', 'parity', 'stop-bits', 'turnaround-ms', 'slack-ms', 'room-temp']);
      const parity = v.parity ?? 'none';
      if (parity !== 'none' && parity !== 'even' && parity !== 'odd') throw new UsageError(`--parity ${parity}: must be none, even or odd (the CXI runs none)`);
      const stopBits = integer('--stop-bits', v['stop-bits'], 1, 1, 2, 'e.g. --stop-bits 1');
      return {
        part,
        serial,
        unit: integer('--unit', v.unit, 15, 1, 247, 'a Modbus unit address, e.g. --unit 15'),
        settings: { baudRate: integer('--baud', v.baud, 9600, 300, 921600, 'e.g. --baud 9600'), dataBits: 8, parity, stopBits: stopBits as 1 | 2 },
        turnaroundMs: decimal('--turnaround-ms', v['turnaround-ms'], 5, 0, 1000),
        slackMs: decimal('--slack-ms', v['slack-ms'], 5, 0, 100),
        roomC: decimal('--room-temp', v['room-temp'], 24, -20, 60),
      };
    }
    case 'vc0706': {
      only(['serial', 'baud', 'image-size']);
      const baudRate = integer('--baud', v.baud, 38400, 9600, 115200, 'one of 9600, 19200, 38400, 57600, 115200');
      if (!VC0706_BAUDS.includes(baudRate)) throw new UsageError(`--baud ${baudRate}: the VC0706 runs at ${VC0706_BAUDS.join(', ')} only; e.g. --baud 38400`);
      const size = v['image-size'] ?? '640x480';
      const imageSizeCode = IMAGE_SIZES[size];
      if (imageSizeCode === undefined) throw new UsageError(`--image-size ${size}: must be one of ${Object.keys(IMAGE_SIZES).join(', ')}`);
      return { part, serial, baudRate, imageSizeCode };
    }
    default:
      throw new UsageError(`unknown part '${part}'; write one of: ${PARTS.join(', ')}`);
  }
}

function integer(name: string, text: string | undefined, fallback: number, min: number, max: number, hint: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${name} ${text}: must be a whole number ${min}–${max} (${hint})`);
  return n;
}

function decimal(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`${name} ${text}: must be a number ${min}–${max} (default ${fallback})`);
  return n;
}
