#!/usr/bin/env node
/**
 * `piactl`: the operator's tool. All the work is in `runPiactl` (run-piactl.ts); `runProgram`
 * owns the process (SIGINT/SIGTERM → a clean stop, the exit code); the environment gives
 * PIACTL_CREDENTIAL, PIACTL_GATEWAY, PIACTL_GATEWAY_ID, PIACTL_KNOWN_GATEWAYS, HOME,
 * XDG_CONFIG_HOME and PIA_KEYLOG.
 */
import { runProgram } from '../../common/index.js';
import { runPiactl } from './run-piactl.js';

runProgram((signal) => runPiactl(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal, env: process.env }));
