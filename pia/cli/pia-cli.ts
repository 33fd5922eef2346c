#!/usr/bin/env node
/**
 * `pia`: the PIA protocol tool. All the work is in `runPia` (run-pia.ts); `runProgram` owns
 * the process (signals → a clean stop, the exit code); the environment gives PIA_KEYLOG.
 */
import { runProgram } from '../../common/index.js';
import { runPia } from './run-pia.js';

runProgram((signal) => runPia(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal, env: process.env }));
