#!/usr/bin/env node
/**
 * `pia-trust`: the PIA trusted server and its admin commands. All the work is in
 * `runPiaTrust` (run-pia-trust.ts); `runProgram` owns the process (signals → a clean stop,
 * the exit code); the environment gives PIA_TRUST_MASTER_KEY and PIA_KEYLOG.
 */
import { runProgram } from '../../common/index.js';
import { runPiaTrust } from './run-pia-trust.js';

runProgram((signal) => runPiaTrust(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal, env: process.env, stdin: process.stdin }));
