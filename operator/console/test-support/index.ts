/** Test helpers of the console, for tests elsewhere (test code only). */
export { startConsoleInProcess, type InProcessConsole } from './in-process.js';
