/** Test helpers of the `pia` program: child processes and network namespaces. */
export { PIA_CLI, REPO_ROOT, TSX, runPiaProcess, startPia, stopAll, type PiaProcess } from './processes.js';
export { createNamespacePair, removeLeftoverNamespaces, type NamespacePair } from './netns.js';
