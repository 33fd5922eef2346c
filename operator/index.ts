/** The operator's side: `piactl` (cli/). */
export * from './cli/index.js';
