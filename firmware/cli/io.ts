/**
 * The process seam of `pia-gateway`: output streams, the stop signal, and every host
 * boundary a subcommand touches, so tests run the CLI in-process against the simulator.
 */
import type { Clock } from '../../common/index.js';
import type { I2cBus } from '../../drivers/i2c/index.js';
import type { HostProbe } from '../config/index.js';

export interface GatewayCliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Aborting stops a long-running subcommand (main wires SIGINT and SIGTERM to it). */
  readonly signal: AbortSignal;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** discover: opens /dev/i2c-N; default the Linux driver (drivers/i2c LinuxI2cBusOpener). */
  readonly openI2cBus?: (bus: number) => Promise<I2cBus>;
  /** discover: the bus numbers present; default the N of every /dev/i2c-N. */
  readonly listI2cBuses?: () => number[];
  /** check --hardware: default the real filesystem. */
  readonly hostProbe?: HostProbe;
}

/** One `pia-gateway` subcommand: an entry of the table in subcommands.ts. */
export interface Subcommand {
  readonly name: string;
  /** Usage lines for --help, each starting with "pia-gateway NAME". */
  readonly usage: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Runs with the arguments after the subcommand's name; returns the exit code (exit-codes.ts). */
  run(args: readonly string[], io: GatewayCliIo): Promise<number>;
}
