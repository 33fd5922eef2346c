/** Test helpers of the trusted server: an in-process admin API, and pia-trust as child processes. */
export { apiArgs, startAdminFixture, SERVER, type AdminFixture } from './admin-fixture.js';
export { startAuthorityFixture, rand, type AuthorityFixture, type TestNode, type VouchOutcome, type EnrollOutcome } from './authority-fixture.js';
export { cli, type CliOptions, type CliResult } from './cli-in-process.js';
export { PIA_TRUST_CLI, runTrustProcess, startTrust, stopAll, type TrustProcess } from './processes.js';
export { flakyStore, UNAVAILABLE_MESSAGE, type FlakyStore } from './flaky-store.js';
