/**
 * The PIA trusted server (`pia-trust`, docs/protocol.md §9): the phase-3 authority over the
 * store, the admin API, MyNet Manager accounts and their login check, credential files for nodes, and the server wiring. README.md beside
 * this file describes the state directory, the commands and the API.
 */
export { startTrustServer, type TrustServer, type TrustServerOptions, type WebListenerOptions } from './server.js';
export { ServerAuthority, type ServerAuthorityDeps, type AuthorityCounters } from './authority.js';
export { grantsBothWays, lookupNode } from './authority-reads.js';
export { enrollmentDecider, type EnrollmentDeps } from './enrollment.js';
export { AdminApi, NotFound, type AdminApiDeps, type ApiAnswer } from './admin-api.js';
export { startAdminHttp, isLoopback, hostPort, type AdminHttp, type AdminHttpOptions } from './admin-http.js';
export { InputError, ADDABLE_KINDS } from './admin-input.js';
export { AccountNotFound } from './admin-accounts.js';
export {
  LoginVerifier,
  DEFAULT_LOGIN_LIMITS,
  PasswordHasher,
  PasswordError,
  checkNewPassword,
  DEFAULT_SCRYPT,
  type LoginDeps,
  type LoginLimits,
  type LoginResult,
  type ScryptFn,
  type ScryptParams,
} from './accounts/index.js';
export {
  startWebServer,
  SessionTable,
  loadWebCertificate,
  stateCertificateFingerprint,
  WebCertError,
  DEFAULT_SESSION_LIMITS,
  type WebServer,
  type WebServerOptions,
  type SessionLimits,
  type CertificateMaker,
  type WebCertificate,
} from './web/index.js';
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
