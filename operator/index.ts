/** The operator's side: `piactl` (cli/) and its live console in the browser (console/). */
export * from './cli/index.js';
export * from './console/index.js';
