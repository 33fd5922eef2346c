#!/usr/bin/env node
/**
 * `pia-sim`: virtual hardware on a real serial port. All the work is in `runSim` (run-sim.ts);
 * `runProgram` owns the process (signals → a clean stop, the exit code).
 */
import { runProgram } from '../../common/index.js';
import { runSim } from './run-sim.js';

runProgram((signal) => runSim(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal }));
