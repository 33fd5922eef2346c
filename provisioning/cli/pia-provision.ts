#!/usr/bin/env node
/**
 * `pia-provision`: the factory station's tool. All the work is in `runPiaProvision`
 * (run-pia-provision.ts); `runProgram` owns the process (SIGINT/SIGTERM → stop after the board
 * in hand, the exit code). Boards are on the station's I2C buses (/dev/i2c-N, the i2c-bus module).
 */
import { runProgram, systemClock } from '../../common/index.js';
import { LinuxI2cBusOpener, type I2cBus } from '../../drivers/i2c/index.js';
import { openUdpTransport } from '../../pia/node/index.js';
import { runPiaProvision } from './run-pia-provision.js';

const opener = new LinuxI2cBusOpener();
/** One open bus per number for the whole run: a tray of boards does not open a descriptor per board. */
const buses = new Map<number, Promise<I2cBus>>();
const openI2c = (n: number): Promise<I2cBus> => {
  const bus = buses.get(n) ?? opener.open(n);
  buses.set(n, bus);
  return bus;
};
runProgram((signal) => runPiaProvision(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal }, { clock: systemClock(), openI2c, openTransport: openUdpTransport }));
