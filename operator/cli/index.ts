/** The `piactl` program as a library: argument parsing, `runPiactl`, exit codes, the gateway's device listing. */
export { runPiactl } from './run-piactl.js';
export {
  parsePiactlArgs,
  parseTarget,
  credentialPath,
  DEFAULT_TIMEOUT_MS,
  SNAPSHOT_TIMEOUT_MS,
  GATEWAY_PORT,
  type PiactlCommand,
  type ConsoleCommand,
  type PiactlEnv,
  type SessionOptions,
  type TargetArg,
} from './args.js';
export { USAGE } from './usage.js';
export { CommandError, ExitCode, UsageError } from './exit-codes.js';
export { parseParams, parseValue, type ParamValue } from './values.js';
export type { PiactlIo } from './io.js';
export { connect, openSession, readCredential, type Connection, type Session } from './session.js';
export { establish, type Established, type EstablishOptions } from './connect.js';
export { deviceTarget, findDevice, readDirectory, readListing, type FetchLinks, type ListedDevice, type ListedResource, type Listing } from './directory.js';
export { codeLabel, exitCodeFor, responseError } from './responses.js';
export { checkOutputPath, jpegProblem, writeFileAtomically } from './jpeg-file.js';
export { clientFailure } from './session.js';
export { readKnownGateways, endpointKey as knownGatewayEndpoint, type KnownGateway } from './known-gateways.js';
