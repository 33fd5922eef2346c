#!/usr/bin/env node
/**
 * `pia-provision`: the factory station's tool. All the work is in `runPiaProvision`
 * (run-pia-provision.ts); `runProgram` owns the process (SIGINT/SIGTERM → stop after the board
 * in hand, the exit code). Boards are on the station's I2C buses (/dev/i2c-N, the i2c-bus module).
 */
import { runProgram, systemClock } from '../../common/index.js';
import { LinuxI2cBusOpener } from '../../drivers/i2c/index.js';
import { openUdpTransport } from '../../pia/node/index.js';
import { runPiaProvision } from './run-pia-provision.js';

const buses = new LinuxI2cBusOpener();
runProgram((signal) =>
  runPiaProvision(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal }, { clock: systemClock(), openI2c: (bus) => buses.open(bus), openTransport: openUdpTransport }),
);
