#!/usr/bin/env node
/**
 * `pia-gateway`: the gateway program. All the work is in `runGatewayCli` (run-gateway-cli.ts)
 * and its subcommand table (subcommands.ts); `runProgram` owns the process (signals → a clean
 * stop, the exit code).
 */
import { runProgram } from '../../common/index.js';
import { runGatewayCli } from './run-gateway-cli.js';

runProgram((signal) => runGatewayCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal, env: process.env }));
