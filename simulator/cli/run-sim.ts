/**
 * `pia-sim` as a function, so tests can run it in-process: parse, build the part, attach it
 * to the serial path, log one line per request, stop on `signal`.
 *
 * Flow:
 *  1. parse and check the arguments (args.ts): a refusal → message on stderr, exit code 2;
 *  2. the serial path must exist: otherwise → how to make one, exit code 1;
 *  3. build the part with the system clock (a pty runs in real time) and attach it
 *     (serial/pty-attach.ts), print what is served;
 *  4. run until `signal` aborts (SIGINT/SIGTERM in main) → close the port, exit code 0;
 *     or until the port fails (socat stopped) → message, exit code 1.
 */
import { stat } from 'node:fs/promises';
import { systemClock, type Clock } from '../../common/index.js';
import { Vc0706Camera } from '../camera/index.js';
import { CHILTRIX_CXI, createFanCoilPart, describeMap } from '../modbus/index.js';
import { Room } from '../physics/room.js';
import { PtyAttachment } from '../serial/pty-attach.js';
import type { SerialDevice } from '../types.js';
import { parseSimArgs, USAGE, UsageError, type ModbusHvacCommand, type Vc0706Command } from './args.js';

export interface SimIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Aborting stops the simulator (main wires SIGINT and SIGTERM to it). */
  readonly signal: AbortSignal;
  /** Default: the system clock. */
  readonly clock?: Clock;
}

interface Served {
  readonly device: SerialDevice;
  readonly banner: string[];
}

export async function runSim(args: readonly string[], io: SimIo): Promise<number> {
  let command;
  try {
    command = parseSimArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`pia-sim: ${e.message}\n`);
    return 2;
  }
  if (command.part === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  try {
    await stat(command.serial);
  } catch {
    io.stderr.write(
      `pia-sim: serial port ${command.serial} does not exist; make a pty pair with ` +
        `'socat -d -d pty,raw,echo=0,link=/tmp/sim pty,raw,echo=0,link=/tmp/host' and pass --serial /tmp/sim\n`,
    );
    return 1;
  }
  const clock = io.clock ?? systemClock();
  const start = clock.now();
  const log = (text: string): void => {
    io.stdout.write(`+${((clock.now() - start) / 1000).toFixed(3)}s ${text}\n`);
  };
  const served = command.part === 'modbus-hvac' ? serveHvac(command, clock, log) : serveCamera(command, clock, log);
  const settings = command.part === 'modbus-hvac' ? command.settings : { baudRate: command.baudRate };
  let failure: Error | undefined;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    wake = resolve;
  });
  let attachment: PtyAttachment;
  try {
    attachment = await PtyAttachment.open(served.device, {
      path: command.serial,
      settings,
      clock,
      onError: (e) => {
        failure = e;
        wake();
      },
    });
  } catch (e) {
    served.device.close();
    io.stderr.write(`pia-sim: ${(e as Error).message}\n`);
    return 1;
  }
  for (const line of served.banner) io.stdout.write(`${line}\n`);
  if (io.signal.aborted) wake();
  io.signal.addEventListener('abort', wake, { once: true });
  await stopped;
  io.signal.removeEventListener('abort', wake);
  await attachment.close();
  if (failure !== undefined) {
    io.stderr.write(`pia-sim: ${failure.message}\n`);
    return 1;
  }
  io.stdout.write(`pia-sim: stopped, ${command.serial} closed\n`);
  return 0;
}

function lineText(s: { baudRate: number; dataBits?: number; parity?: string; stopBits?: number }): string {
  return `${s.baudRate} ${s.dataBits ?? 8}${(s.parity ?? 'none')[0]?.toUpperCase() ?? 'N'}${s.stopBits ?? 1}`;
}

function serveHvac(c: ModbusHvacCommand, clock: Clock, log: (text: string) => void): Served {
  const room = new Room({ clock, initialC: c.roomC });
  const { server } = createFanCoilPart({
    clock,
    room,
    unitId: c.unit,
    settings: c.settings,
    turnaroundMs: c.turnaroundMs,
    slackMs: c.slackMs,
    onEvent: (e) => log(`unit ${e.unit ?? '?'} ${e.text}`),
  });
  return {
    device: server,
    banner: [
      `pia-sim: serving modbus-hvac (${CHILTRIX_CXI.unitType}) on ${c.serial}`,
      `  line ${lineText(c.settings)}, unit ${c.unit}, turnaround ${c.turnaroundMs} ms, timing slack ${c.slackMs} ms`,
      `  room ${c.roomC} °C (heat load 1500 W, outside 18 °C); unit off, mode cool, cooling setpoint 24.0 °C`,
      `  registers (PDU addresses, ${CHILTRIX_CXI.source}):`,
      ...describeMap(CHILTRIX_CXI).map((l) => `    ${l}`),
    ],
  };
}

function serveCamera(c: Vc0706Command, clock: Clock, log: (text: string) => void): Served {
  const camera = new Vc0706Camera({ clock, baudRate: c.baudRate, imageSizeCode: c.imageSizeCode, onEvent: (e) => log(e.text) });
  camera.onBaudRateChange((b) => log(`UART now ${b} baud`));
  const size = camera.imageSize;
  return {
    device: camera,
    banner: [
      `pia-sim: serving vc0706 (VC0706 serial JPEG camera) on ${c.serial}`,
      `  line ${lineText({ baudRate: c.baudRate })}, serial number 0, image ${size.width}×${size.height}, test scene (moving bar, seconds as blocks)`,
      '  commands: reset 26, version 11, take picture/resume 36, frame length 34, read frame 32, set baud 24, image size 31/30',
    ],
  };
}
