/** Test helpers of this folder, for tests elsewhere (test code only). */
export { ProcessTracker, REPO_ROOT, TSX, killGroup, processAlive } from './child-processes.js';
export type { TrackedProcess } from './child-processes.js';
export { freeTcpPort, freeUdpPorts } from './free-ports.js';
export { CHROMIUM_PATH, SCREENSHOT_DIR, launchChromium, screenshot } from './browser.js';
export type { HeadlessChromium } from './browser.js';
export { postgresBinDir, startPostgres } from './postgres.js';
export type { PostgresInstance, StartPostgresOptions } from './postgres.js';
