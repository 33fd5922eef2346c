/** The `pia-sim` program as a library: argument parsing and `runSim` for tests and wrappers. */
export { runSim, type SimIo } from './run-sim.js';
export { parseSimArgs, USAGE, UsageError, type SimCommand, type ModbusHvacCommand, type Vc0706Command } from './args.js';
