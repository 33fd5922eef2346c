/** Test helpers of the `pia` program: child processes and network namespaces. */
export { PIA_CLI, REPO_ROOT, TSX, runPiaProcess, startPia, stopAll, type PiaProcess } from './processes.js';
export { LINK_LOCAL_A, LINK_LOCAL_B, addDecoyLink, createNamespacePair, removeLeftoverNamespaces, type NamespacePair, type NamespacePairOptions } from './netns.js';
export { ip } from './netns.js';
