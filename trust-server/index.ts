/**
 * The PIA trusted server (`pia-trust`, docs/protocol.md §9): the phase-3 authority over the
 * store, the admin API, credential files for nodes, and the server wiring. README.md beside
 * this file describes the state directory, the commands and the API.
 */
export { startTrustServer, type TrustServer, type TrustServerOptions } from './server.js';
export { ServerAuthority, grantsBothWays, lookupNode, type ServerAuthorityDeps, type AuthorityCounters } from './authority.js';
export { enrollmentDecider, type EnrollmentDeps } from './enrollment.js';
export { AdminApi, NotFound, type AdminApiDeps, type ApiAnswer } from './admin-api.js';
export { startAdminHttp, isLoopback, hostPort, type AdminHttp, type AdminHttpOptions } from './admin-http.js';
export { InputError, ADDABLE_KINDS } from './admin-input.js';
export { ensureAdminToken, readAdminToken, bearerMatches } from './admin-token.js';
export {
  CREDENTIAL_FORMAT,
  CREDENTIAL_VERSION,
  NODE_KEY_BYTES,
  CredentialError,
  makeCredential,
  credentialText,
  writeCredentialFile,
  reserveCredentialFile,
  readCredentialFile,
  parseCredential,
  loadIdentity,
  identityOf,
  type Credential,
  type LoadedIdentity,
  type ReservedCredentialFile,
} from '../pia/credential/index.js';
export { DEFAULT_STATE_DIR, StateError, statePaths, ensureStateDir, openMasterKey, readAdminUrl, type StatePaths } from './state-dir.js';
export { isNodeIdText, canonicalNodeId, newNodeIdText, systemRandom, type RandomBytes } from './node-ids.js';
