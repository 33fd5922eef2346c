/** The `pia` program as a library: argument parsing, `runPia`, exit codes, RTT statistics. */
export { runPia } from './run-pia.js';
export { parsePiaArgs, parseEndpoint, USAGE, UsageError, DEFAULT_PORT, MIN_SIZE, MAX_SIZE, type EndpointArg, type ListenCommand, type PiaCommand, type PingCommand } from './args.js';
export { ExitCode } from './exit-codes.js';
export { ECHO_PORT, runListen } from './listen.js';
export { echoPayload, runPing } from './ping.js';
export { describeSendFailure, type PiaIo, type SendFailure } from './node-setup.js';
export { summarize, type RttSummary } from './stats.js';
